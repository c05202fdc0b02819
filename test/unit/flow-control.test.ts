import { describe, expect, it } from 'vitest';
import { FlowControl } from '../../server/ws/flow-control.ts';

const limits = { high: 100, low: 20 };

describe('FlowControl (decisions only)', () => {
  it('pauses above high, keeps paused between the marks, resumes below low (acknowledging client)', () => {
    const flow = new FlowControl({ acks: true, limits });
    flow.account(60);
    flow.commit(60);
    expect(flow.decide(), '60 in flight').toBeUndefined();
    flow.account(60);
    expect(flow.mayWrite, '60 in flight may still take more').toBe(true);
    flow.commit(60);
    expect([flow.inFlight, flow.decide(), flow.held]).toEqual([120, 'pause', true]);
    expect(flow.mayWrite, '120 in flight: nothing more to the socket').toBe(false);
    flow.acknowledge(70);
    expect([flow.inFlight, flow.decide()], 'between the marks nothing changes').toEqual([50, undefined]);
    flow.acknowledge(101);
    expect([flow.inFlight, flow.decide(), flow.held]).toEqual([19, 'resume', false]);
    expect(flow.decide(), 'a decision is given once').toBeUndefined();
  });

  it('counts queued bytes too: a watcher that is not handed anything still holds the run', () => {
    const flow = new FlowControl({ acks: true, limits });
    flow.account(150);
    expect([flow.backlog, flow.decide()]).toEqual([150, 'pause']);
    flow.drop();
    expect([flow.backlog, flow.held]).toEqual([0, false]);
  });

  it('never counts more acknowledged than sent, nor goes back', () => {
    const flow = new FlowControl({ acks: true, limits });
    flow.account(10);
    flow.commit(10);
    flow.acknowledge(1_000_000);
    expect(flow.inFlight).toBe(0);
    flow.account(30);
    flow.commit(30);
    flow.acknowledge(5);
    expect(flow.inFlight, 'an older acknowledgement changes nothing').toBe(30);
  });

  it('without acknowledgements the socket buffer is what is in flight', () => {
    let buffered = 0;
    const flow = new FlowControl({ acks: false, socketBuffered: () => buffered, limits });
    flow.account(50);
    flow.commit(50);
    buffered = 150;
    expect([flow.mayWrite, flow.decide()]).toEqual([false, 'pause']);
    buffered = 10;
    expect([flow.mayWrite, flow.decide()]).toEqual([true, 'resume']);
  });
});

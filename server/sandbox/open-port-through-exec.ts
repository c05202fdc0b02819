import { Duplex } from 'node:stream';
import type { SessionSandbox } from './session-sandbox.ts';

/**
 * Relays one TCP connection to a port inside the sandbox through an exec: bash opens
 * 127.0.0.1:PORT (`/dev/tcp`, as the image has no socat or nc) and `cat` copies both ways. Only
 * the node's Engine API is needed, so port links work for a sandbox on another host, whose
 * session network the server cannot reach. The exec's end (the program closed the connection) is
 * the stream's end; a refused connect exits 97 before any byte, reported as ECONNREFUSED.
 */
const RELAY = [
  // Stderr is merged into the output, which is the connection's: nothing but the program's bytes may go there.
  'exec 2>/dev/null',
  'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 97',
  '/usr/bin/cat <&0 >&3 &',
  '/usr/bin/cat <&3',
  'kill $!',
].join('\n');

export async function openPortThroughExec(sandbox: Pick<SessionSandbox, 'exec'>, port: number): Promise<Duplex> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Not a port: ${port}`);
  const handle = await sandbox.exec({ cmd: ['/bin/bash', '-c', RELAY, 'relay', String(port)], tty: false, stdin: true, helper: true });
  let seen = false;
  const stream = new Duplex({
    read() {
      handle.output.resume();
    },
    write(chunk: Buffer, _enc, done) {
      handle.input.write(chunk, done);
    },
    final(done) {
      // Half-close is not forwarded: an HTTP client keeps its side open until the answer is in.
      done();
    },
    destroy(err, done) {
      handle.output.destroy();
      (handle.input as { destroy?: () => void }).destroy?.();
      done(err);
    },
  });
  // An HTTP client sets idle timeouts on its socket: emulate net.Socket's, restarted by every byte.
  let idle: NodeJS.Timeout | undefined;
  let idleMs = 0;
  const rearm = () => {
    clearTimeout(idle);
    if (idleMs > 0) idle = setTimeout(() => stream.emit('timeout'), idleMs);
  };
  Object.assign(stream, {
    setTimeout(ms: number, onTimeout?: () => void) {
      idleMs = ms;
      if (onTimeout) stream.once('timeout', onTimeout);
      rearm();
      return stream;
    },
    setNoDelay: () => stream,
    setKeepAlive: () => stream,
  });
  stream.on('close', () => clearTimeout(idle));
  handle.output.on('data', (c: Buffer) => {
    rearm();
    seen = true;
    if (!stream.push(c)) handle.output.pause();
  });
  handle.output.on('error', (err) => stream.destroy(err));
  handle.output.on('end', () => {
    if (seen) return void stream.push(null);
    // Nothing came back: either the program closed at once, or nothing listens. Ask the exit code.
    handle
      .exitCode()
      .then((code) => {
        if (code === 97) stream.destroy(Object.assign(new Error(`nothing listens on port ${port}`), { code: 'ECONNREFUSED' }));
        else stream.push(null);
      })
      .catch((err: unknown) => stream.destroy(err as Error));
  });
  return stream;
}

import { definePlugin, type ExpressiveCodePlugin } from '@expressive-code/core';
import { h } from '@expressive-code/core/hast';
import { RUNNABLE_LANGUAGES, shellCommand } from './shell-command.ts';

/**
 * An Expressive Code plugin that gives every shell block a Run button (EC's own copy button is
 * the precedent): the block carries its command in `data-run-command`, and the controls are rendered
 * under the code. The browser code in src/client wires them.
 * `norun` in the fence's meta opts a block out; `exit=N` marks a block meant to end with N.
 */
export function pluginRunButton(): ExpressiveCodePlugin {
  return definePlugin({
    name: 'Run button',
    hooks: {
      postprocessRenderedBlock: ({ codeBlock, renderData }) => {
        if (!RUNNABLE_LANGUAGES.has(codeBlock.language)) return;
        if (codeBlock.metaOptions.getBoolean('norun')) return;
        const command = shellCommand(codeBlock.code);
        if (!command) return;
        const expectedExit = codeBlock.metaOptions.getInteger('exit') ?? 0;
        const block = renderData.blockAst;
        block.properties['dataRunCommand'] = command;
        block.properties['dataRunExit'] = String(expectedExit);
        block.children.push(
          h('div.rdn-run', [
            h('button.rdn-run-button', { type: 'button', title: 'Run this block in your sandbox' }, 'Run'),
            h('button.rdn-stop-button', { type: 'button', hidden: true }, 'Stop'),
            h('span.rdn-run-status', { role: 'status', 'aria-live': 'polite' }),
          ]),
        );
      },
    },
  });
}

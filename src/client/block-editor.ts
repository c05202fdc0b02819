import { BLOCK_ATTRIBUTES as A } from '../code-blocks/block-attributes.ts';
/**
 * Editable blocks: a reader edits a block's command before running it, runs the edit, and resets
 * it. The edit is kept in localStorage per page and block (a reload keeps it) and the block is
 * marked as changed; the page's own text stays shown above it, and checks and docs:test read
 * that text (data-run-command), never the edit.
 */
const PREFIX = 'rdn-edit:';

function storeKey(index: number): string {
  return `${PREFIX}${location.pathname.replace(/\/$/, '') || '/'}#${index}`;
}

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage may be full or off (private mode): the edit then lasts until the page is left.
  }
}

const edits = new WeakMap<HTMLElement, () => string | undefined>();

/** The command to run for a block: the reader's edit when there is one, else the page's text. */
export function commandToRun(el: HTMLElement): string {
  return edits.get(el)?.() ?? el.getAttribute(A.command) ?? '';
}

/** Adds Edit / Reset and the edit box to each runnable block. */
export function makeEditable(blocks: HTMLElement[]): void {
  blocks.forEach((el, index) => {
    const controls = el.querySelector('.rdn-run');
    const original = el.getAttribute(A.command) ?? '';
    if (!controls || el.getAttribute(A.login) === 'true') return;
    const key = storeKey(index);
    const box = document.createElement('textarea');
    box.className = 'rdn-edit-box';
    box.spellcheck = false;
    box.setAttribute('aria-label', 'Your version of this command (runs instead of the text above)');
    box.hidden = true;
    const edit = button('rdn-edit-button', 'Edit', 'Edit this command before running it; the page text stays as it is');
    const reset = button('rdn-reset-button', 'Reset', "Go back to the page's own command");
    const badge = document.createElement('span');
    badge.className = 'rdn-edited-badge';
    badge.textContent = 'Edited: runs your version';
    const sync = () => {
      const edited = box.value !== original;
      el.toggleAttribute('data-edited', edited);
      badge.hidden = !edited;
      reset.hidden = !edited;
    };
    const saved = read(key);
    box.value = saved ?? original;
    if (saved !== null && saved !== original) box.hidden = false;
    box.rows = Math.min(12, Math.max(2, box.value.split('\n').length + 1));
    box.addEventListener('input', () => {
      write(key, box.value === original ? null : box.value);
      sync();
    });
    edit.addEventListener('click', () => {
      box.hidden = !box.hidden;
      if (!box.hidden) box.focus();
    });
    reset.addEventListener('click', () => {
      box.value = original;
      write(key, null);
      box.hidden = true;
      sync();
    });
    controls.before(box);
    controls.querySelector('.rdn-stop-button')?.after(edit, reset, badge);
    edits.set(el, () => (box.value !== original && box.value.trim() ? box.value : undefined));
    sync();
  });
}

function button(cls: string, text: string, title: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = cls;
  b.textContent = text;
  b.title = title;
  return b;
}

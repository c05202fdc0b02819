import type { RegistryInfo } from '../../server/protocol.ts';
import { BLOCK_ATTRIBUTES as A } from '../code-blocks/block-attributes.ts';
import { fetchRetrying } from './fetch-retrying.ts';

/** A text node or element with the given text, for building the note without innerHTML. */
function code(text: string): HTMLElement {
  const c = document.createElement('code');
  c.textContent = text;
  return c;
}

/**
 * Tells the reader, above every block that logs in to the site's registry (fence option `login`),
 * which account to use: the site's own registry's user and password, or that they need their own
 * account on an outside registry. Also fills the `<username>` placeholders when still empty.
 */
export async function showRegistryAccount(root: ParentNode): Promise<void> {
  const blocks = [...root.querySelectorAll<HTMLElement>(`figure[${A.login}]`)];
  if (blocks.length === 0) return;
  let info: RegistryInfo;
  try {
    const res = await fetchRetrying('/api/registry', { credentials: 'same-origin' });
    if (!res.ok) return;
    info = (await res.json()) as RegistryInfo;
  } catch {
    return;
  }
  for (const figure of blocks) {
    const note = document.createElement('p');
    note.className = 'rdn-registry-note';
    note.setAttribute('data-pagefind-ignore', '');
    if (info.local && info.user && info.password) {
      note.append(
        'This site runs its own registry, ',
        code(info.registry),
        '. Log in as ',
        code(info.user),
        ' with the password ',
        code(info.password),
        ': type it into the terminal when asked (it does not echo).',
      );
    } else {
      note.append(
        'This page pushes to ',
        code(info.registry),
        ': log in with your own account there. Your sandbox must reach it; if it cannot, ask whoever hosts this site to set NOTES_REGISTRY.',
      );
    }
    (figure.closest('.expressive-code') ?? figure).before(note);
  }
  if (info.local && info.user) {
    for (const input of root.querySelectorAll<HTMLInputElement>('input.rdn-ph[data-ph="username"]')) {
      if (input.value) continue;
      input.value = info.user;
      // The placeholder inputs keep values through their input event.
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }
}

import { fillPlaceholders } from '../code-blocks/placeholders.ts';

/** One entry per page: the same name (`<container_id>`) may mean different things on two pages. */
const storeKey = () => `rdn-placeholders:${location.pathname.replace(/\/$/, '') || '/'}`;

function load(): Record<string, string> {
  try {
    const values = JSON.parse(localStorage.getItem(storeKey()) ?? '{}') as unknown;
    return typeof values === 'object' && values !== null ? (values as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** Wide enough for its name and its value (the font is monospace, so `ch` is exact), plus the caret. */
function fit(input: HTMLInputElement): void {
  input.style.width = `${Math.max(input.placeholder.length, input.value.length) + 1}ch`;
}

/**
 * The inline inputs of `<name>` placeholders: a value typed in one block fills every block with
 * the same placeholder, and values are kept per page in localStorage, so a reload, a new tab
 * or the next visit finds them again.
 */
export class PlaceholderInputs {
  readonly #values = load();

  constructor(root: ParentNode) {
    for (const input of root.querySelectorAll<HTMLInputElement>('input.rdn-ph')) {
      const name = input.dataset.ph!;
      input.value = this.#values[name] ?? '';
      fit(input);
      input.addEventListener('input', () => this.set(name, input.value, input));
    }
  }

  set(name: string, value: string, from?: HTMLInputElement): void {
    if (value) this.#values[name] = value;
    else delete this.#values[name];
    try {
      localStorage.setItem(storeKey(), JSON.stringify(this.#values));
    } catch {
      // Storage full or refused (private mode): the values still fill this page's blocks.
    }
    for (const input of document.querySelectorAll<HTMLInputElement>(`input.rdn-ph[data-ph="${name}"]`)) {
      if (input !== from) input.value = value;
      fit(input);
    }
  }

  /** The block's command with its placeholders filled, or what is missing. */
  fill(command: string): ReturnType<typeof fillPlaceholders> {
    return fillPlaceholders(command, this.#values);
  }
}

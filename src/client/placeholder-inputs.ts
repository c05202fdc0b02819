import { fillPlaceholders } from '../code-blocks/placeholders.ts';

const STORE = 'rdn-placeholders';

function load(): Record<string, string> {
  try {
    return JSON.parse(sessionStorage.getItem(STORE) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

/**
 * The inline inputs of `<name>` placeholders: a value typed in one block fills every block with
 * the same placeholder, and values persist for the browser session (sessionStorage).
 */
export class PlaceholderInputs {
  readonly #values = load();

  constructor(root: ParentNode) {
    for (const input of root.querySelectorAll<HTMLInputElement>('input.rdn-ph')) {
      const name = input.dataset.ph!;
      input.value = this.#values[name] ?? '';
      input.addEventListener('input', () => this.set(name, input.value, input));
    }
  }

  set(name: string, value: string, from?: HTMLInputElement): void {
    this.#values[name] = value;
    sessionStorage.setItem(STORE, JSON.stringify(this.#values));
    for (const other of document.querySelectorAll<HTMLInputElement>(`input.rdn-ph[data-ph="${name}"]`)) {
      if (other !== from) other.value = value;
    }
  }

  /** The block's command with its placeholders filled, or what is missing. */
  fill(command: string): ReturnType<typeof fillPlaceholders> {
    return fillPlaceholders(command, this.#values);
  }
}

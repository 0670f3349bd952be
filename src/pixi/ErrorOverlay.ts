import type { Runtime } from '../runtime/Runtime';
import type { LuaRuntimeError } from '../vm/errors';
import { addStyleOnce } from './styleSheet';

const STYLE = `
.moonstep-errors { position: fixed; left: 12px; right: 12px; bottom: 12px; max-height: 45vh; overflow: auto;
  background: rgba(40, 12, 16, 0.94); color: #ffd7d7; font: 12px/1.45 ui-monospace, monospace;
  border: 1px solid #bf616a; border-radius: 6px; padding: 8px 12px; z-index: 1000; }
.moonstep-errors[hidden] { display: none; }
.moonstep-errors header { display: flex; justify-content: space-between; font-weight: bold; margin-bottom: 6px; }
.moonstep-errors button { background: none; border: 1px solid #bf616a; color: inherit; border-radius: 4px; cursor: pointer; }
.moonstep-errors .entry { border-top: 1px solid rgba(191, 97, 106, 0.4); padding: 6px 0; }
.moonstep-errors .where { color: #ebcb8b; }
.moonstep-errors pre { margin: 4px 0 0; white-space: pre-wrap; color: #d8dee9; opacity: 0.8; }
`;

/** One line the overlay shows. */
export interface OverlayEntry {
  /** `chunk:line`, or a script path. */
  readonly where: string;
  readonly message: string;
  readonly traceback?: string;
}

/**
 * A DOM panel listing Lua errors with script, line and traceback. Runtime `error` events are
 * added as they come (newest first, at most `limit`); *pinned* entries (e.g. a syntax error
 * in a hot-reloaded script) stay until {@link unpin} is called for their key.
 */
export class ErrorOverlay {
  /** The panel element. */
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly entries: OverlayEntry[] = [];
  private readonly pinned = new Map<string, OverlayEntry>();
  // A script that failed to hot-reload stays pinned until a reload of it succeeds.
  private readonly onError = (error: LuaRuntimeError) => {
    const entry = { where: `${error.chunk}:${error.line}`, message: error.message, traceback: error.traceback };
    if (error.source === 'reload') this.pin(error.owner.replace(/^script:/, ''), entry);
    else this.add(entry);
  };
  private readonly onReload = (chunkName: string) => this.unpin(chunkName);

  constructor(private readonly runtime: Runtime, parent: HTMLElement = document.body, private readonly limit = 20) {
    addStyleOnce('moonstep-errors-style', STYLE);
    this.element = document.createElement('div');
    this.element.className = 'moonstep-errors';
    this.element.hidden = true;
    const header = document.createElement('header');
    const title = document.createElement('span');
    title.textContent = 'Lua errors';
    const close = document.createElement('button');
    close.textContent = 'dismiss';
    close.addEventListener('click', () => this.clear());
    header.append(title, close);
    this.list = document.createElement('div');
    this.element.append(header, this.list);
    parent.appendChild(this.element);
    runtime.on('error', this.onError);
    runtime.on('reload', this.onReload);
  }

  /** Adds an entry (newest first). */
  add(entry: OverlayEntry): void {
    this.entries.unshift(entry);
    this.entries.length = Math.min(this.entries.length, this.limit);
    this.render();
  }

  /** Shows an entry under `key` until {@link unpin}(key). */
  pin(key: string, entry: OverlayEntry): void {
    this.pinned.set(key, entry);
    this.render();
  }

  /** Removes the pinned entry under `key`. */
  unpin(key: string): void {
    if (this.pinned.delete(key)) this.render();
  }

  /** Dismisses the unpinned entries. */
  clear(): void {
    this.entries.length = 0;
    this.render();
  }

  /** Everything shown now, pinned first (for tests and tools). */
  get shown(): OverlayEntry[] {
    return [...this.pinned.values(), ...this.entries];
  }

  private render(): void {
    const shown = this.shown;
    this.element.hidden = shown.length === 0;
    this.list.replaceChildren(
      ...shown.map((entry) => {
        const div = document.createElement('div');
        div.className = 'entry';
        const where = document.createElement('span');
        where.className = 'where';
        where.textContent = entry.where + ' ';
        const message = document.createElement('span');
        message.textContent = entry.message;
        div.append(where, message);
        if (entry.traceback) {
          const pre = document.createElement('pre');
          pre.textContent = entry.traceback;
          div.appendChild(pre);
        }
        return div;
      }),
    );
  }

  /** Removes the panel and stops listening. */
  destroy(): void {
    this.runtime.off('error', this.onError);
    this.runtime.off('reload', this.onReload);
    this.element.remove();
  }
}

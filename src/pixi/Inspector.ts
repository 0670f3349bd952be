import type { InspectorSnapshot, Runtime, StepProfile } from '../runtime/Runtime';
import type { RuntimeView } from './ScriptingController';
import { addStyleOnce } from './styleSheet';

const STYLE = `
.moonstep-inspector { position: fixed; top: 8px; right: 8px; width: 420px; max-height: calc(100vh - 16px); overflow: auto;
  background: rgba(16, 19, 26, 0.92); color: #d8dee9; font: 11px/1.4 ui-monospace, monospace;
  border: 1px solid #4c566a; border-radius: 6px; padding: 8px 10px; z-index: 999; }
.moonstep-inspector[hidden] { display: none; }
.moonstep-inspector h3 { margin: 8px 0 4px; font-size: 11px; color: #88c0d0; }
.moonstep-inspector table { width: 100%; border-collapse: collapse; }
.moonstep-inspector td { padding: 0 4px 0 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 160px; }
.moonstep-inspector .bar { display: flex; height: 8px; margin: 4px 0; background: #2e3440; }
.moonstep-inspector .bar span { display: block; height: 100%; }
`;

/** A live entity as the inspector lists it. */
export interface InspectedEntity {
  readonly id: number;
  readonly name: string;
  readonly script: string;
}

/** Options for {@link Inspector}. */
export interface InspectorOptions {
  /** Key that toggles the panel (`KeyboardEvent.key`). Default `` ` ``. */
  toggleKey?: string;
  /** Steps between refreshes while visible. Default 15. */
  refreshEverySteps?: number;
  /** Lists live entities (when the runtime has an entity world). */
  entities?: () => InspectedEntity[];
  /** Where to put the panel. Default `document.body`. */
  parent?: HTMLElement;
}

const PHASES: Array<[keyof StepProfile | 'sync', string]> = [
  ['timers', '#88c0d0'],
  ['tasks', '#a3be8c'],
  ['updates', '#ebcb8b'],
  ['deferred', '#b48ead'],
  ['sync', '#d08770'],
];

/**
 * A toggleable DOM panel: live entities, pending timers and waiting tasks (owner, due step,
 * the script line that created them), live registry slots, Lua memory, and the step's time
 * split into timers / tasks / updates / deferred / sync. While it is visible the runtime
 * records creation sites and phase times; while hidden it costs nothing.
 * Add it as a view of `app.scripting` so it refreshes with the game.
 */
export class Inspector implements RuntimeView {
  /** The panel element. */
  readonly element: HTMLElement;
  private readonly onKey = (event: KeyboardEvent) => {
    if (event.key === this.toggleKey) this.toggle();
  };
  private readonly toggleKey: string;
  private readonly refreshEverySteps: number;
  private lastRefreshFrame = -Infinity;
  private syncMs = 0;

  constructor(private readonly runtime: Runtime, private readonly options: InspectorOptions = {}) {
    this.toggleKey = options.toggleKey ?? '`';
    this.refreshEverySteps = options.refreshEverySteps ?? 15;
    addStyleOnce('moonstep-inspector-style', STYLE);
    this.element = document.createElement('div');
    this.element.className = 'moonstep-inspector';
    this.element.hidden = true;
    (options.parent ?? document.body).appendChild(this.element);
    window.addEventListener('keydown', this.onKey);
  }

  /** True while the panel is shown. */
  get visible(): boolean {
    return !this.element.hidden;
  }

  /** Shows or hides the panel. */
  toggle(show = !this.visible): void {
    this.element.hidden = !show;
    this.runtime.recordCreationSites(show);
    this.runtime.setProfiling(show);
    if (show) this.refresh();
  }

  /** Tells the inspector how long the views' sync took this frame (ms), for the time split. */
  reportSyncTime(ms: number): void {
    this.syncMs = ms;
  }

  /** RuntimeView: refreshes every `refreshEverySteps` steps while visible. */
  sync(): void {
    if (!this.visible || this.runtime.closed) return;
    if (this.runtime.frame - this.lastRefreshFrame >= this.refreshEverySteps) this.refresh();
  }

  /** Re-reads the runtime and redraws the panel. */
  refresh(): void {
    this.lastRefreshFrame = this.runtime.frame;
    const snap: InspectorSnapshot = this.runtime.inspect();
    const profile = this.runtime.lastStepProfile();
    const entities = this.options.entities?.() ?? snap.entities;
    const section = (title: string, rows: string[][]) => {
      const h = document.createElement('h3');
      h.textContent = title;
      const table = document.createElement('table');
      for (const row of rows.slice(0, 200)) {
        const tr = document.createElement('tr');
        for (const cell of row) {
          const td = document.createElement('td');
          td.textContent = cell;
          td.title = cell;
          tr.appendChild(td);
        }
        table.appendChild(tr);
      }
      return [h, table];
    };
    const summary = document.createElement('div');
    summary.textContent =
      `frame ${snap.frame} · live slots ${snap.liveSlots} · Lua memory ${(snap.luaMemoryBytes / 1024).toFixed(0)} KiB` +
      ` · ${entities.length} entities · ${snap.timers.length} timers · ${snap.tasks.length} tasks`;
    const nodes: HTMLElement[] = [summary];
    if (profile) {
      const times = { ...profile, sync: (profile.sync ?? 0) + this.syncMs } as Record<string, number>;
      const total = PHASES.reduce((sum, [k]) => sum + (times[k] ?? 0), 0) || 1;
      const bar = document.createElement('div');
      bar.className = 'bar';
      const legend = document.createElement('div');
      legend.textContent = PHASES.map(([k]) => `${k} ${(times[k] ?? 0).toFixed(2)} ms`).join(' · ');
      for (const [k, color] of PHASES) {
        const span = document.createElement('span');
        span.style.width = `${(100 * (times[k] ?? 0)) / total}%`;
        span.style.background = color;
        span.title = k;
        bar.appendChild(span);
      }
      nodes.push(bar, legend);
    }
    nodes.push(
      ...section('Entities', entities.map((e) => [`#${e.id}`, e.name, e.script, ...('x' in e ? [`${Math.round(e.x as number)},${Math.round(e.y as number)}`, String(e.site ?? '')] : [])])),
      ...section(
        'Timers',
        snap.timers.map((t) => [`#${t.id}`, t.interval ? 'interval' : 'timeout', `step ${t.dueStep}`, t.owner, t.site || '?']),
      ),
      ...section(
        'Tasks',
        snap.tasks.map((t) => [`#${t.id}`, t.status, t.wakeStep ? `step ${t.wakeStep}` : 'waiting', t.owner, t.site || '?']),
      ),
    );
    this.element.replaceChildren(...nodes);
  }

  /** Removes the panel and its key listener. */
  destroy(): void {
    window.removeEventListener('keydown', this.onKey);
    this.element.remove();
  }
}

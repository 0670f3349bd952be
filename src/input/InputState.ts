/** What scripts see of the input in one step (sent only when something changed). */
export interface InputSnapshot {
  readonly down: string[];
  readonly pressed: string[];
  readonly released: string[];
  /** Every action the bindings name, sent when the bindings changed (for unknown-action warnings). */
  readonly actions?: string[];
}

/**
 * The host side of `input.*`: actions go down and up at any time (key events, buttons,
 * tests), and at the start of each step the runtime takes one snapshot of them. Keys map
 * to actions through {@link bind}; a press and release between two steps still reaches
 * scripts as pressed and released.
 */
export class InputState {
  private readonly held = new Map<string, number>(); // action -> number of sources holding it
  private readonly bindings = new Map<string, string[]>(); // key code -> actions
  private readonly keysDown = new Set<string>();
  private pressedSince = new Set<string>();
  private releasedSince = new Set<string>();
  private changed = false;
  private bindingsChanged = false;

  /** Maps key codes (`KeyboardEvent.code`, e.g. `ArrowLeft`, `Space`) to action names. */
  bind(bindings: Record<string, string | readonly string[]>): this {
    for (const [code, actions] of Object.entries(bindings)) {
      this.bindings.set(code, typeof actions === 'string' ? [actions] : [...actions]);
    }
    this.changed = this.bindingsChanged = true;
    return this;
  }

  /** A key went down: the actions bound to it go down (repeats are ignored). */
  keyDown(code: string): void {
    if (this.keysDown.has(code)) return;
    this.keysDown.add(code);
    for (const action of this.bindings.get(code) ?? []) this.press(action);
  }

  /** A key went up. */
  keyUp(code: string): void {
    if (!this.keysDown.delete(code)) return;
    for (const action of this.bindings.get(code) ?? []) this.release(action);
  }

  /** An action goes down (held until {@link release}; several sources may hold it). */
  press(action: string): void {
    checkAction(action);
    const count = this.held.get(action) ?? 0;
    this.held.set(action, count + 1);
    if (count === 0) {
      this.pressedSince.add(action);
      this.changed = true;
    }
  }

  /** An action goes up (once every source holding it released it). */
  release(action: string): void {
    checkAction(action);
    const count = this.held.get(action) ?? 0;
    if (count === 0) return;
    if (count > 1) {
      this.held.set(action, count - 1);
      return;
    }
    this.held.delete(action);
    this.releasedSince.add(action);
    this.changed = true;
  }

  /** Releases everything (e.g. when the page loses focus). */
  releaseAll(): void {
    for (const action of [...this.held.keys()]) {
      this.held.set(action, 1);
      this.release(action);
    }
    this.keysDown.clear();
  }

  /** True while `action` is held. */
  isDown(action: string): boolean {
    return this.held.has(action);
  }

  /**
   * The snapshot for the next step if anything changed since the last one, else undefined
   * (scripts keep seeing the same held actions; pressed/released last one step).
   */
  takeSnapshot(): InputSnapshot | undefined {
    if (!this.changed) return undefined;
    const snapshot: InputSnapshot = {
      down: [...this.held.keys()].sort(),
      pressed: [...this.pressedSince].sort(),
      released: [...this.releasedSince].sort(),
      ...(this.bindingsChanged ? { actions: [...new Set([...this.bindings.values()].flat())].sort() } : {}),
    };
    this.bindingsChanged = false;
    this.pressedSince = new Set();
    this.releasedSince = new Set();
    this.changed = false;
    return snapshot;
  }
}

function checkAction(action: string): void {
  if (typeof action !== 'string' || action === '') throw new TypeError('moonstep: an input action must be a non-empty string');
}

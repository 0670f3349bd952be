/** The view state of one entity, as the host last received it. */
export interface EntityView {
  readonly id: number;
  x: number;
  y: number;
  rotation: number;
  scaleX: number;
  scaleY: number;
  alpha: number;
  z: number;
  tint: number;
  visible: boolean;
  /** Asset name, or null for none. */
  sprite: string | null;
  /** Position and rotation at the end of the step before {@link changedStep} (interpolation). */
  prevX: number;
  prevY: number;
  prevRotation: number;
  /** Step in which these values were set. */
  changedStep: number;
}

/** What one {@link ViewMirror.apply} changed. */
export interface ViewChanges {
  readonly created: EntityView[];
  /** Entities whose look (not only their position or rotation) changed. */
  readonly changed: EntityView[];
  /** Entities that only moved or turned (x, y, rotation), and are not in `changed`. */
  readonly moved: EntityView[];
  readonly destroyed: number[];
  /** Last step included. */
  readonly step: number;
}

// Record layout written by entities.lua (little-endian): id i32, kind u8, then for kinds 1
// and 2: x, y, rotation, scale_x, scale_y, alpha, z (f64), tint i32, visible u8, sprite i32;
// for kind 4 (moved): x, y, rotation (f64).
const CREATED = 1;
const CHANGED = 2;
const DESTROYED = 3;
const MOVED = 4;
const STEP = 0;
const FULL_RECORD_BYTES = 4 + 1 + 7 * 8 + 4 + 1 + 4;

/**
 * The host's copy of every entity's view state, fed by the binary records the Lua side packs
 * at the end of each step (one transfer per frame, however many entities changed). The pixi
 * view reads it; headless code and tests may too.
 */
export class ViewMirror {
  /** Live entities by id. */
  readonly entities = new Map<number, EntityView>();
  /** Last step applied. */
  step = 0;

  /** @internal `spriteName(i)` maps sprite indices (1-based) to asset names. */
  constructor(private readonly spriteName: (index: number) => string | null) {}

  /** Applies a packet of records; returns what changed (each entity at most once per list). */
  apply(bytes: Uint8Array): ViewChanges {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const created = new Map<number, EntityView>();
    const changed = new Map<number, EntityView>();
    const moved = new Map<number, EntityView>();
    const destroyed: number[] = [];
    let offset = 0;
    while (offset < bytes.byteLength) {
      const id = view.getInt32(offset, true);
      const kind = view.getUint8(offset + 4);
      offset += 5;
      if (kind === STEP) {
        this.step = id;
        continue;
      }
      if (kind === DESTROYED) {
        this.entities.delete(id);
        if (!created.delete(id)) destroyed.push(id);
        changed.delete(id);
        moved.delete(id);
        continue;
      }
      if (kind === MOVED) {
        const e = this.entities.get(id);
        if (!e || offset + 24 > bytes.byteLength) throw new Error(`moonstep: corrupt view record (moved #${id})`);
        e.prevX = e.x;
        e.prevY = e.y;
        e.prevRotation = e.rotation;
        e.x = view.getFloat64(offset, true);
        e.y = view.getFloat64(offset + 8, true);
        e.rotation = view.getFloat64(offset + 16, true);
        e.changedStep = this.step;
        if (!created.has(id) && !changed.has(id)) moved.set(id, e);
        offset += 24;
        continue;
      }
      if (kind !== CREATED && kind !== CHANGED) throw new Error(`moonstep: corrupt view record (kind ${kind})`);
      if (offset + FULL_RECORD_BYTES - 5 > bytes.byteLength) throw new Error('moonstep: truncated view record');
      const x = view.getFloat64(offset, true);
      const y = view.getFloat64(offset + 8, true);
      const rotation = view.getFloat64(offset + 16, true);
      let e = this.entities.get(id);
      if (!e || kind === CREATED) {
        e = { id, x, y, rotation, scaleX: 1, scaleY: 1, alpha: 1, z: 0, tint: 0xffffff, visible: true, sprite: null,
          prevX: x, prevY: y, prevRotation: rotation, changedStep: this.step };
        this.entities.set(id, e);
        created.set(id, e);
      } else {
        // The state at the end of the previous step is what we held (changed or not since).
        e.prevX = e.x;
        e.prevY = e.y;
        e.prevRotation = e.rotation;
        e.x = x;
        e.y = y;
        e.rotation = rotation;
        e.changedStep = this.step;
        if (!created.has(id)) {
          changed.set(id, e);
          moved.delete(id);
        }
      }
      e.scaleX = view.getFloat64(offset + 24, true);
      e.scaleY = view.getFloat64(offset + 32, true);
      e.alpha = view.getFloat64(offset + 40, true);
      e.z = view.getFloat64(offset + 48, true);
      e.tint = view.getInt32(offset + 56, true);
      e.visible = view.getUint8(offset + 60) === 1;
      e.sprite = this.spriteName(view.getInt32(offset + 61, true));
      offset += FULL_RECORD_BYTES - 5;
    }
    return { created: [...created.values()], changed: [...changed.values()], moved: [...moved.values()], destroyed, step: this.step };
  }

  /** Forgets everything (view sync turned off, or the runtime closed). */
  clear(): void {
    this.entities.clear();
    this.step = 0;
  }
}

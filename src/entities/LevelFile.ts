import { LevelError } from '../vm/errors';
import type { PlainValue } from '../vm/LuaVm';
import { isTiledMap, parseJsonText, parseTiledMap, tiledObjectLabel } from './TiledMap';

/** One entity of a level file. */
export interface LevelEntity {
  /** Behaviour script (resolved like `require`, from the script roots). */
  readonly script: string;
  readonly name?: string;
  readonly x?: number;
  readonly y?: number;
  readonly rotation?: number;
  readonly scale_x?: number;
  readonly scale_y?: number;
  readonly alpha?: number;
  readonly z?: number;
  readonly visible?: boolean;
  readonly tint?: number;
  readonly sprite?: string;
  /** Size (e.g. a trigger area's); set on `self` as plain fields before init. */
  readonly width?: number;
  readonly height?: number;
  readonly tags?: readonly string[];
  /** Handed to `init(self, props)` untouched. */
  readonly props?: { readonly [key: string]: PlainValue };
  /** Set by {@link parseTiledMap} (not written in JSON levels): the Tiled object's id and layer. */
  readonly tiled?: { readonly id: number; readonly layer: string };
}

/** A level file: `{ "entities": [ ... ] }` (JSON). */
export interface LevelData {
  readonly name?: string;
  readonly entities: readonly LevelEntity[];
}

/** What the Lua side spawns: the entity's options, and the props for init. */
export interface SpawnItem {
  readonly script: string;
  readonly opts: { [key: string]: PlainValue };
  readonly props: { [key: string]: PlainValue };
  /** Where it is in the file, for errors: `entity #3 ('door')`, or `layer 'things', object #12`. */
  readonly label: string;
  /** The Tiled object id, for entities of a Tiled map. */
  readonly tiled_id?: number;
}

/** What validation needs to know of the runtime. */
export interface LevelChecks {
  scriptExists(name: string): boolean;
  assetExists(name: string): boolean;
}

const NUMBER_FIELDS = ['x', 'y', 'rotation', 'scale_x', 'scale_y', 'z', 'width', 'height'] as const;
const KNOWN = new Set(['script', 'name', 'tags', 'props', 'alpha', 'visible', 'tint', 'sprite', ...NUMBER_FIELDS]);

/**
 * Checks a whole level (JSON text or parsed data) before anything spawns, and turns it into
 * spawn items in file order. Throws {@link LevelError} naming the level, the entity (index
 * and name) and the field.
 */
export function parseLevel(input: unknown, level: string, checks: LevelChecks): SpawnItem[] {
  let data = parseJsonText(input, `level '${level}'`, level);
  // A Tiled map: its object layers are the entities.
  const tiled = isTiledMap(data);
  if (tiled) data = { entities: parseTiledMap(data, level).entities };
  // Until the data has a level's shape, what it holds is not the script's to read: scripts
  // are told only that it is not a level (LevelError.scriptMessage), the host the details.
  const notALevel = `level '${level}': not a level (expected an object with an "entities" array, or a Tiled map)`;
  if (!isObject(data)) throw new LevelError(`level '${level}': expected an object with an "entities" array`, level, -1, undefined, notALevel);
  for (const key of Object.keys(data)) {
    if (key !== 'entities' && key !== 'name' && key !== 'version') {
      throw new LevelError(`level '${level}': unknown top-level field '${key}'`, level, -1, key, notALevel);
    }
  }
  const list = data.entities;
  if (!Array.isArray(list)) throw new LevelError(`level '${level}': "entities" must be an array`, level, -1, 'entities', notALevel);
  return list.map((raw, index) => parseEntity(raw, index, level, checks, tiled));
}

function parseEntity(raw: unknown, index: number, level: string, checks: LevelChecks, tiled: boolean): SpawnItem {
  // Where the entity is: its place in a level file, or its Tiled object id and layer.
  const place = (name?: unknown) => {
    const origin = tiled && isObject(raw) ? (raw.tiled as { id: number; layer: string } | undefined) : undefined;
    if (origin) return tiledObjectLabel(origin.layer, origin.id, name);
    return `entity #${index + 1}${typeof name === 'string' ? ` ('${name}')` : ''}`;
  };
  const label = (name?: unknown) => `${tiled ? 'map' : 'level'} '${level}', ${place(name)}`;
  if (!isObject(raw)) throw new LevelError(`${label()}: expected an object`, level, index);
  const fail = (field: string, message: string): never => {
    throw new LevelError(`${label(raw.name)}, field '${field}': ${message}`, level, index, field);
  };
  for (const key of Object.keys(raw)) if (!KNOWN.has(key) && !(tiled && key === 'tiled')) fail(key, 'unknown field');
  const opts: { [key: string]: PlainValue } = {};
  const script = raw.script;
  if (typeof script !== 'string' || script === '') fail('script', `expected a script name, got ${show(script)}`);
  if (!checks.scriptExists(script as string)) fail('script', `no script '${script}' in the script roots`);
  if (raw.name !== undefined) {
    if (typeof raw.name !== 'string' || raw.name === '') fail('name', `expected a non-empty string, got ${show(raw.name)}`);
    opts.name = raw.name as string;
  }
  for (const field of NUMBER_FIELDS) {
    const v = raw[field];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, `expected a finite number, got ${show(v)}`);
    opts[field] = v as number;
  }
  if (raw.alpha !== undefined) {
    const a = raw.alpha;
    if (typeof a !== 'number' || !(a >= 0 && a <= 1)) fail('alpha', `expected a number from 0 to 1, got ${show(a)}`);
    opts.alpha = a as number;
  }
  if (raw.visible !== undefined) {
    if (typeof raw.visible !== 'boolean') fail('visible', `expected true or false, got ${show(raw.visible)}`);
    opts.visible = raw.visible as boolean;
  }
  if (raw.tint !== undefined) {
    const t = raw.tint;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > 0xffffff) fail('tint', `expected a colour 0 to 16777215, got ${show(t)}`);
    opts.tint = t as number;
  }
  if (raw.sprite !== undefined) {
    if (typeof raw.sprite !== 'string') fail('sprite', `expected an asset name, got ${show(raw.sprite)}`);
    if (!checks.assetExists(raw.sprite as string)) fail('sprite', `unknown asset '${raw.sprite}'`);
    opts.sprite = raw.sprite as string;
  }
  if (raw.tags !== undefined) {
    const tags = raw.tags;
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t !== '')) {
      fail('tags', `expected an array of non-empty strings, got ${show(tags)}`);
    }
    opts.tags = [...(tags as string[])];
  }
  let props: { [key: string]: PlainValue } = {};
  if (raw.props !== undefined) {
    if (!isObject(raw.props)) fail('props', `expected an object, got ${show(raw.props)}`);
    checkPlain(raw.props, (path, what) => fail(`props${path}`, what), { left: PROPS_MAX_VALUES });
    props = raw.props as { [key: string]: PlainValue };
  }
  const item: { -readonly [K in keyof SpawnItem]: SpawnItem[K] } = { script: script as string, opts, props, label: place(raw.name) };
  if (tiled && raw.tiled) item.tiled_id = (raw.tiled as { id: number }).id;
  return item;
}

/** Values one entity's props may hold, counted per use (an object shared by two parents counts twice). */
const PROPS_MAX_VALUES = 100_000;

function checkPlain(value: unknown, fail: (path: string, what: string) => never, budget: { left: number }, path = '', depth = 0): void {
  if (depth > 32) fail(path, 'nested too deeply');
  if (--budget.left < 0) fail(path, `more than ${PROPS_MAX_VALUES} values (an object shared by several parents counts once per use)`);
  if (value === null || ['string', 'boolean'].includes(typeof value)) return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(path, `expected a finite number, got ${value}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkPlain(v, fail, budget, `${path}[${i}]`, depth + 1));
    return;
  }
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) checkPlain(v, fail, budget, `${path}.${k}`, depth + 1);
    return;
  }
  fail(path, `expected plain data, got ${typeof value}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A value for an error message: JSON, at most 80 characters (a level may hold megabytes). */
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(typeof v === 'string' && v.length > 80 ? v.slice(0, 80) : v) ?? typeof v;
  } catch {
    return typeof v;
  }
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

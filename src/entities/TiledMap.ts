import { LevelError } from '../vm/errors';
import type { LevelEntity } from './LevelFile';
import type { PlainValue } from '../vm/LuaVm';

/** A tileset of a Tiled map (embedded in the map; its image is an asset named after the file). */
export interface TiledTileset {
  readonly name: string;
  readonly firstGid: number;
  /** Asset name of the image: its file name without extension (`tiles/space.png` → `space`). */
  readonly image: string;
  readonly imageWidth: number;
  readonly imageHeight: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly columns: number;
  readonly tileCount: number;
  readonly margin: number;
  readonly spacing: number;
}

/** One drawn tile of a tile layer. */
export interface TiledTile {
  /** Column and row in the layer. */
  readonly col: number;
  readonly row: number;
  readonly tileset: TiledTileset;
  /** Index of the tile in its tileset. */
  readonly index: number;
  readonly flipX: boolean;
  readonly flipY: boolean;
  readonly flipDiagonal: boolean;
}

/** A tile layer, ready to draw. */
export interface TiledTileLayer {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly opacity: number;
  readonly visible: boolean;
  readonly offsetX: number;
  readonly offsetY: number;
  readonly tiles: readonly TiledTile[];
}

/** A Tiled map, checked and converted: tile layers to draw, and entities to spawn. */
export interface TiledMap {
  readonly name: string;
  /** Size in tiles. */
  readonly width: number;
  readonly height: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly tilesets: readonly TiledTileset[];
  readonly tileLayers: readonly TiledTileLayer[];
  /** The object layers' objects, as level entities (file order: layers, then objects). */
  readonly entities: readonly LevelEntity[];
}

/**
 * Size limits of a Tiled map: past any of them parsing stops with a {@link LevelError}. Far
 * above real maps (a 1000×1000 map with four layers has 4M tiles), far below what would
 * freeze a page: parsing is linear in the map's size, so these bound its time.
 */
export const TILED_LIMITS = {
  /** Tile cells over all tile layers (width × height each). */
  tiles: 4_000_000,
  /** Objects over all object layers. */
  objects: 100_000,
  /** Layers, counting group layers and what they hold. */
  layers: 10_000,
  /** Group layers inside group layers. */
  nesting: 32,
  /** Tilesets. */
  tilesets: 10_000,
} as const;

/**
 * Key of the marker a Tiled `object` property becomes in `props` (`{ tiled_object: id }`);
 * the runtime replaces it with the entity spawned from that object before any `init` runs.
 */
export const TILED_OBJECT = 'tiled_object';

const FLIP_X = 0x80000000;
const FLIP_Y = 0x40000000;
const FLIP_D = 0x20000000;
const GID_MASK = 0x0fffffff;

/**
 * `input` parsed when it is JSON text, else as given; bad JSON throws a {@link LevelError}
 * for `what` (e.g. `level 'hall'`). Shared by level files and Tiled maps.
 */
export function parseJsonText(input: unknown, what: string, name: string): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch (error) {
    throw new LevelError(`${what}: not valid JSON (${(error as Error).message})`, name, -1, undefined, `${what}: not valid JSON`);
  }
}

/** True if `data` looks like a Tiled JSON map (`"type": "map"` with an orientation). */
export function isTiledMap(data: unknown): boolean {
  return isObject(data) && data.type === 'map' && typeof data.orientation === 'string';
}

/**
 * Reads a Tiled JSON map (`.tmj` / `.json`, orthogonal, embedded tilesets, CSV/array tile
 * data). Object layers become entities: the object's class (or type) names the behaviour
 * script, its custom properties become `props` (as Tiled types them), and its name, centre,
 * rotation (radians) and size become entity fields. Anything unsupported, or a map past
 * {@link TILED_LIMITS}, throws a {@link LevelError} naming the layer and the object. Time is
 * linear in the map's size: a tile's tileset is found by binary search over the tilesets
 * sorted by first id, and group layers are walked with a stack, not by recursion.
 */
export function parseTiledMap(input: unknown, name: string): TiledMap {
  const data = parseJsonText(input, `map '${name}'`, name);
  const fail = (message: string, field?: string): never => {
    throw new LevelError(`map '${name}': ${message}`, name, -1, field);
  };
  if (!isTiledMap(data)) fail('not a Tiled map (expected "type": "map" and an orientation)');
  const map = data as Record<string, unknown>;
  if (map.orientation !== 'orthogonal') fail(`${String(map.orientation)} maps are not supported (orthogonal only)`, 'orientation');
  if (map.infinite === true) fail('infinite maps are not supported (uncheck "Infinite" in the map properties)', 'infinite');
  const tileWidth = positiveInt(map.tilewidth, () => fail('tilewidth must be a positive integer', 'tilewidth'));
  const tileHeight = positiveInt(map.tileheight, () => fail('tileheight must be a positive integer', 'tileheight'));
  const width = positiveInt(map.width, () => fail('width must be a positive integer', 'width'));
  const height = positiveInt(map.height, () => fail('height must be a positive integer', 'height'));

  const rawTilesets = Array.isArray(map.tilesets) ? map.tilesets : [];
  if (rawTilesets.length > TILED_LIMITS.tilesets) fail(`more than ${TILED_LIMITS.tilesets} tilesets`, 'tilesets');
  const tilesets = rawTilesets.map((raw, i) => parseTileset(raw, i, fail));
  const tilesetFor = tilesetLookup(tilesets);

  const tileLayers: TiledTileLayer[] = [];
  const entities: LevelEntity[] = [];
  let tiles = 0;
  const references: Array<{ label: string; property: string; id: number }> = [];
  let layerCount = 0;
  // Depth-first over group layers in file order, with an explicit stack (a map may nest
  // groups deeper than the JS stack goes; the nesting limit stops it long before).
  if (!Array.isArray(map.layers)) fail('the map has no "layers" array');
  const stack: Array<{ layers: unknown[]; next: number; path: string }> = [{ layers: map.layers as unknown[], next: 0, path: '' }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next >= top.layers.length) {
      stack.pop();
      continue;
    }
    const layer = top.layers[top.next++];
    const path = top.path;
    if (++layerCount > TILED_LIMITS.layers) fail(`more than ${TILED_LIMITS.layers} layers`, 'layers');
    if (!isObject(layer)) fail(`${path}a layer is not an object`);
    const l = layer as Record<string, unknown>;
    const layerName = `${path}${String(l.name ?? '?')}`;
    const where = `layer '${layerName}'`;
    switch (l.type) {
      case 'tilelayer': {
        const cells = Number(l.width) * Number(l.height);
        if (cells > 0 && (tiles += cells) > TILED_LIMITS.tiles) fail(`${where}: more than ${TILED_LIMITS.tiles} tiles in the map's tile layers`, 'layers');
        tileLayers.push(parseTileLayer(l, layerName, where, tilesetFor, fail));
        break;
      }
      case 'objectgroup': {
        const objects = Array.isArray(l.objects) ? l.objects : [];
        if (entities.length + objects.length > TILED_LIMITS.objects) fail(`${where}: more than ${TILED_LIMITS.objects} objects in the map`, 'layers');
        for (const [i, obj] of objects.entries()) entities.push(parseObject(obj, i, layerName, l.visible !== false, references, fail));
        break;
      }
      case 'group':
        if (stack.length > TILED_LIMITS.nesting) fail(`${where}: group layers nested more than ${TILED_LIMITS.nesting} deep`, 'layers');
        if (!Array.isArray(l.layers)) fail(`${layerName}/ has no "layers" array`);
        stack.push({ layers: l.layers as unknown[], next: 0, path: `${layerName}/` });
        break;
      default:
        fail(`${where}: ${String(l.type)} layers are not supported (tile, object and group layers are)`);
    }
  }
  const ids = new Set(entities.map((e) => e.tiled?.id));
  for (const ref of references) {
    if (!ids.has(ref.id)) fail(`${ref.label}: property '${ref.property}' refers to object #${ref.id}, which the map does not have`);
  }
  return { name, width, height, tileWidth, tileHeight, tilesets, tileLayers, entities };
}

/**
 * The tileset holding a global tile id: the one with the greatest first id not above it (of
 * equal first ids, the later in the file), found by binary search.
 */
function tilesetLookup(tilesets: readonly TiledTileset[]): (gid: number) => TiledTileset | undefined {
  const sorted = tilesets.map((ts, i) => ({ ts, i })).sort((a, b) => a.ts.firstGid - b.ts.firstGid || a.i - b.i).map((e) => e.ts);
  return (gid) => {
    let lo = 0;
    let hi = sorted.length; // first index whose firstGid > gid
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]!.firstGid <= gid) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? sorted[lo - 1] : undefined;
  };
}

function parseTileset(raw: unknown, index: number, fail: (m: string, f?: string) => never): TiledTileset {
  if (!isObject(raw)) return fail(`tileset #${index + 1} is not an object`);
  const label = `tileset '${String(raw.name ?? `#${index + 1}`)}'`;
  if (typeof raw.source === 'string') {
    return fail(`${label} is external (${raw.source}); embed it in the map (Map > Embed Tilesets)`, 'tilesets');
  }
  if (typeof raw.image !== 'string') return fail(`${label}: image collection tilesets are not supported (one image per tileset)`, 'tilesets');
  const int = (v: unknown, field: string, min = 0) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(`${label}: ${field} must be an integer ≥ ${min}`, 'tilesets');
    return v as number;
  };
  return {
    name: String(raw.name ?? ''),
    firstGid: int(raw.firstgid, 'firstgid', 1),
    image: raw.image.replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, ''),
    imageWidth: int(raw.imagewidth, 'imagewidth', 1),
    imageHeight: int(raw.imageheight, 'imageheight', 1),
    tileWidth: int(raw.tilewidth, 'tilewidth', 1),
    tileHeight: int(raw.tileheight, 'tileheight', 1),
    columns: int(raw.columns, 'columns', 1),
    tileCount: int(raw.tilecount, 'tilecount', 1),
    margin: int(raw.margin ?? 0, 'margin'),
    spacing: int(raw.spacing ?? 0, 'spacing'),
  };
}

function parseTileLayer(
  l: Record<string, unknown>,
  layerName: string,
  where: string,
  tilesetFor: (gid: number) => TiledTileset | undefined,
  fail: (m: string, f?: string) => never,
): TiledTileLayer {
  if (l.encoding !== undefined && l.encoding !== 'csv') fail(`${where}: ${String(l.encoding)} tile data is not supported (set the layer format to CSV)`);
  if (Array.isArray(l.chunks)) fail(`${where}: chunked (infinite) tile data is not supported`);
  const width = positiveInt(l.width, () => fail(`${where}: width must be a positive integer`));
  const height = positiveInt(l.height, () => fail(`${where}: height must be a positive integer`));
  const data = l.data;
  if (!Array.isArray(data) || data.length !== width * height) fail(`${where}: data must be an array of ${width * height} tile ids`);
  const tiles: TiledTile[] = [];
  (data as unknown[]).forEach((raw, i) => {
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) fail(`${where}: tile ${i} is not a tile id`);
    const value = raw as number;
    const gid = value & GID_MASK;
    if (gid === 0) return;
    const tileset = tilesetFor(gid);
    if (!tileset || gid - tileset.firstGid >= tileset.tileCount) fail(`${where}: tile ${i} uses id ${gid}, which no tileset holds`);
    tiles.push({
      col: i % width,
      row: Math.floor(i / width),
      tileset: tileset!,
      index: gid - tileset!.firstGid,
      flipX: (value & FLIP_X) !== 0,
      flipY: (value & FLIP_Y) !== 0,
      flipDiagonal: (value & FLIP_D) !== 0,
    });
  });
  return {
    name: layerName,
    width,
    height,
    opacity: typeof l.opacity === 'number' ? l.opacity : 1,
    visible: l.visible !== false,
    offsetX: typeof l.offsetx === 'number' ? l.offsetx : 0,
    offsetY: typeof l.offsety === 'number' ? l.offsety : 0,
    tiles,
  };
}

/** A Tiled object's place, for error messages: `layer 'things', object #12 ('blob')`. */
export function tiledObjectLabel(layer: string, id: unknown, name?: unknown): string {
  return `layer '${layer}', object #${String(id)}${name ? ` ('${String(name)}')` : ''}`;
}

function parseObject(
  raw: unknown,
  index: number,
  layer: string,
  layerVisible: boolean,
  references: Array<{ label: string; property: string; id: number }>,
  fail: (m: string, f?: string) => never,
): LevelEntity {
  if (!isObject(raw)) return fail(`layer '${layer}', object #${index + 1} is not an object`);
  const label = tiledObjectLabel(layer, raw.id ?? index + 1, raw.name);
  for (const shape of ['ellipse', 'point', 'polygon', 'polyline', 'text'] as const) {
    if (raw[shape] !== undefined && raw[shape] !== false) fail(`${label}: ${shape} objects are not supported (rectangles and tile objects are)`);
  }
  const script = typeof raw.class === 'string' && raw.class !== '' ? raw.class : raw.type;
  if (typeof script !== 'string' || script === '') fail(`${label}: no class (the behaviour script to run); set the object's Class`);
  const num = (v: unknown, field: string) => {
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${label}: ${field} must be a number`);
    return v as number;
  };
  const w = num(raw.width, 'width');
  const h = num(raw.height, 'height');
  const x = num(raw.x, 'x');
  const y = num(raw.y, 'y');
  // Rectangles are placed by their top-left corner, tile objects by their bottom-left one;
  // entities are placed by their centre.
  const isTile = typeof raw.gid === 'number';
  const props: Record<string, PlainValue> = {};
  if (raw.properties !== undefined) {
    if (!Array.isArray(raw.properties)) fail(`${label}: properties must be an array`);
    for (const p of raw.properties as unknown[]) {
      if (!isObject(p) || typeof p.name !== 'string') fail(`${label}: a property without a name`);
      const prop = p as { name: string; type?: string; value?: unknown };
      const value = propertyValue(prop, label, fail);
      if (prop.type === 'object') {
        // A reference to another object: the entity it becomes (0, "none", leaves it out).
        if (value === 0) continue;
        references.push({ label, property: prop.name, id: value as number });
        props[prop.name] = { [TILED_OBJECT]: value };
      } else {
        props[prop.name] = value;
      }
    }
  }
  const entity: { -readonly [K in keyof LevelEntity]: LevelEntity[K] } = {
    script: script as string,
    x: x + w / 2,
    y: isTile ? y - h / 2 : y + h / 2,
    rotation: (num(raw.rotation, 'rotation') * Math.PI) / 180,
    width: w,
    height: h,
    props,
    tiled: { id: typeof raw.id === 'number' ? raw.id : index + 1, layer },
  };
  if (typeof raw.name === 'string' && raw.name !== '') entity.name = raw.name;
  if (raw.visible === false || !layerVisible) entity.visible = false;
  if (typeof props.sprite === 'string') entity.sprite = props.sprite;
  if (typeof props.z === 'number') entity.z = props.z;
  if (typeof props.tags === 'string') entity.tags = props.tags.split(',').map((t) => t.trim()).filter(Boolean);
  return entity;
}

function propertyValue(p: { name: string; type?: string; value?: unknown }, label: string, fail: (m: string) => never): PlainValue {
  const v = p.value;
  switch (p.type ?? 'string') {
    case 'int':
    case 'float':
    case 'object':
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${label}: property '${p.name}' (${p.type}) must be a number`);
      return v as number;
    case 'bool':
      if (typeof v !== 'boolean') fail(`${label}: property '${p.name}' (bool) must be true or false`);
      return v as boolean;
    case 'string':
    case 'file':
    case 'color':
      if (typeof v !== 'string') fail(`${label}: property '${p.name}' (${p.type ?? 'string'}) must be a string`);
      return v as string;
    default:
      return fail(`${label}: property '${p.name}' has type '${p.type}', which is not supported (custom class properties are not)`);
  }
}

function positiveInt(v: unknown, fail: () => never): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail();
  return v as number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

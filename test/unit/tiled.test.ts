import { describe, expect, it } from 'vitest';
import { start } from '../helpers';
import { TILED_LIMITS, parseTiledMap } from '../../src/entities/TiledMap';
import { LevelError } from '../../src/vm/errors';

/** A small Tiled map (as Tiled 1.10 saves it): a 4×3 tile layer and an object layer. */
function sampleMap(objects: unknown[] = DEFAULT_OBJECTS, extra: Record<string, unknown> = {}) {
  return {
    type: 'map', version: '1.10', tiledversion: '1.10.2', orientation: 'orthogonal', renderorder: 'right-down',
    infinite: false, width: 4, height: 3, tilewidth: 16, tileheight: 16, nextlayerid: 3, nextobjectid: 4,
    tilesets: [{ firstgid: 1, name: 'space', image: '../sprites/space_tiles.png', imagewidth: 64, imageheight: 16,
      tilewidth: 16, tileheight: 16, columns: 4, tilecount: 4, margin: 0, spacing: 0 }],
    layers: [
      { id: 1, name: 'floor', type: 'tilelayer', width: 4, height: 3, opacity: 1, visible: true, x: 0, y: 0,
        data: [1, 2, 2, 1, 0, 3, 3, 0, 1, 2 + 0x80000000, 2, 4] },
      { id: 2, name: 'things', type: 'objectgroup', visible: true, opacity: 1, x: 0, y: 0, objects },
    ],
    ...extra,
  };
}
const DEFAULT_OBJECTS = [
  { id: 1, name: 'door', class: 'door', x: 16, y: 0, width: 32, height: 16, rotation: 90, visible: true,
    properties: [{ name: 'locked', type: 'bool', value: true }, { name: 'keys', type: 'int', value: 2 },
      { name: 'colour', type: 'color', value: '#ff00ff00' }, { name: 'speed', type: 'float', value: 1.5 }] },
  { id: 2, name: 'zone', type: 'zone', x: 0, y: 16, width: 32, height: 32, visible: true },
];

describe('Tiled maps', () => {
  it('turn tile layers into tiles to draw and objects into entities', () => {
    const map = parseTiledMap(sampleMap(), 'room');
    expect(map.tileLayers).toHaveLength(1);
    expect(map.tileLayers[0]!.tiles).toHaveLength(10);
    expect(map.tileLayers[0]!.tiles[0]).toMatchObject({ col: 0, row: 0, index: 0 });
    expect(map.tileLayers[0]!.tiles[7]).toMatchObject({ col: 1, row: 2, index: 1, flipX: true });
    expect(map.tilesets[0]!.image).toBe('space_tiles');
    expect(map.entities).toEqual([
      { script: 'door', name: 'door', x: 32, y: 8, rotation: Math.PI / 2, width: 32, height: 16,
        props: { locked: true, keys: 2, colour: '#ff00ff00', speed: 1.5 }, tiled: { id: 1, layer: 'things' } },
      { script: 'zone', name: 'zone', x: 16, y: 32, rotation: 0, width: 32, height: 32, props: {}, tiled: { id: 2, layer: 'things' } },
    ]);
  });

  it('name the layer and object of anything unsupported', () => {
    const cases: Array<[unknown, RegExp]> = [
      [sampleMap(undefined, { orientation: 'isometric' }), /isometric maps are not supported/],
      [sampleMap(undefined, { infinite: true }), /infinite maps are not supported/],
      [sampleMap([{ id: 5, name: 'blob', class: 'x', ellipse: true, x: 0, y: 0 }]), /layer 'things', object #5 \('blob'\): ellipse objects are not supported/],
      [sampleMap([{ id: 6, x: 0, y: 0 }]), /layer 'things', object #6: no class/],
      [sampleMap([{ id: 7, class: 'x', x: 0, y: 0, properties: [{ name: 'p', type: 'class', value: {} }] }]), /object #7: property 'p' has type 'class'/],
      [{ ...sampleMap(), tilesets: [{ firstgid: 1, source: 'space.tsx' }] }, /tileset '#1' is external \(space.tsx\)/],
      [{ ...sampleMap(), layers: [{ name: 'bg', type: 'imagelayer' }] }, /layer 'bg': imagelayer layers are not supported/],
      [{ ...sampleMap(), layers: [{ name: 'floor', type: 'tilelayer', width: 1, height: 1, data: [9] }] }, /layer 'floor': tile 0 uses id 9, which no tileset holds/],
      [{ ...sampleMap(), layers: [{ name: 'floor', type: 'tilelayer', width: 1, height: 1, encoding: 'base64', data: 'AAAA' }] }, /base64 tile data is not supported/],
    ];
    for (const [data, pattern] of cases) expect(() => parseTiledMap(data, 'm')).toThrow(pattern);
  });

  it('load as levels: objects spawn with typed props, and rectangles with on_enter/on_exit are triggers', async () => {
    const { rt, run, steps, prints } = await start({ levels: { room: sampleMap() } }, {
      'door.lua': 'return { init = function(self, p) print("door", self.x, self.y, self.width, self.height, p.locked, math.type(p.keys), p.speed) end }',
      'zone.lua': `return {
        on_enter = function(self, other) print("enter", other.name, time.frame()) end,
        on_exit = function(self, other) print("exit", other.name, time.frame()) end,
      }`,
      'walker.lua': 'return { update = function(self) self.y = self.y + 8 end }',
    });
    run('level.load("room") entities.spawn("walker", { name = "w", x = 10, y = 0 })');
    await new Promise((r) => setTimeout(r, 0));
    steps(8);
    expect(prints).toEqual(['door\t32\t8\t32\t16\ttrue\tinteger\t1.5', 'enter\tw\t3', 'exit\tw\t8']);
    expect(rt.stats().entities).toBe(3);
  });

  it('resolve object properties to the entities those objects became, before any init, and level.entity finds them by id', async () => {
    const objects = [
      { id: 7, name: 'lever', class: 'lever', x: 0, y: 0, width: 16, height: 16, properties: [{ name: 'door', type: 'object', value: 9 }] },
      { id: 8, name: 'spare', class: 'lever', x: 0, y: 0, properties: [{ name: 'door', type: 'object', value: 0 }] },
      { id: 9, name: 'gate', class: 'door', x: 32, y: 0, width: 16, height: 16 },
    ];
    const { run, steps, take, errors } = await start({ levels: { room: sampleMap(objects) } }, {
      'lever.lua': 'return { init = function(self, p) print(self.name, "opens", p.door and p.door.name, p.door and p.door:is_alive()) end }',
      'door.lua': 'return {}',
      'other.lua': 'return {}',
    });
    run(`entities.spawn("other") entities.spawn("other") entities.spawn("other") -- runtime ids 1 to 3
task.spawn(function()
  level.load("room")
  print(level.entity(9).name, level.entity(7).name, level.entity(3), entities.get(9))
  level.entity(9):destroy()
  print(level.entity(9))
  print(pcall(level.entity, "9"))
end)`, 'main.lua');
    await new Promise((r) => setTimeout(r, 0));
    steps(2);
    expect(take()).toEqual([
      'lever\topens\tgate\ttrue', 'spare\topens\tnil\tnil', 'gate\tlever\tnil\tnil', 'nil',
      "false\tmain.lua:7: bad argument #1 to 'level.entity' (Tiled object id (integer) expected, got string)",
    ]);
    expect(errors).toEqual([]);
  });

  it('refuse a reference to an object the map does not have, naming the layer and object', () => {
    const objects = [{ id: 7, name: 'lever', class: 'lever', x: 0, y: 0, properties: [{ name: 'door', type: 'object', value: 42 }] }];
    expect(() => parseTiledMap(sampleMap(objects), 'm')).toThrow(/map 'm': layer 'things', object #7 \('lever'\): property 'door' refers to object #42, which the map does not have/);
  });

  it('name the Tiled layer and object id, not the place in the file, for script and field errors', async () => {
    const { rt } = await start({ assets: { ship: 'ship.png' } }, { 'door.lua': 'return {}', 'broken.lua': 'return {' });
    const objects = (extra: Record<string, unknown>) => [
      { id: 1, name: 'ok', class: 'door', x: 0, y: 0 },
      { id: 12, name: 'blob', class: 'door', x: 0, y: 0, ...extra },
    ];
    expect(() => rt.loadLevel(sampleMap(objects({ class: 'nope' })), 'm')).toThrow(
      /^map 'm', layer 'things', object #12 \('blob'\), field 'script': no script 'nope' in the script roots$/,
    );
    expect(() => rt.loadLevel(sampleMap(objects({ properties: [{ name: 'sprite', type: 'string', value: 'rock' }] })), 'm')).toThrow(
      /^map 'm', layer 'things', object #12 \('blob'\), field 'sprite': unknown asset 'rock'$/,
    );
    expect(() => rt.loadLevel(sampleMap(objects({ class: 'broken' })), 'm')).toThrow(
      /broken.lua:1: .* \(layer 'things', object #12 \('blob'\)\)$/,
    );
    expect(rt.stats().entities).toBe(0);
  });
});

describe('Tiled maps of hostile size', () => {
  const tileset = (firstgid: number, name = `ts${firstgid}`) => ({
    firstgid, name, image: `${name}.png`, imagewidth: 16, imageheight: 16, tilewidth: 16, tileheight: 16, columns: 1, tilecount: 1,
  });

  it('find each tile\'s tileset by binary search: 5,000 tilesets × 250,000 tiles parse in linear time', () => {
    const tilesets = Array.from({ length: 5000 }, (_, i) => tileset(i + 1));
    const data = Array.from({ length: 500 * 500 }, (_, i) => (i % 5000) + 1);
    const map = parseTiledMap({ ...sampleMap([]), width: 500, height: 500, tilesets, layers: [{ name: 'big', type: 'tilelayer', width: 500, height: 500, data }] }, 'big');
    const tiles = map.tileLayers[0]!.tiles;
    expect(tiles).toHaveLength(250_000);
    expect(tiles[4999]!.tileset.name).toBe('ts5000');
    expect(tiles[5000]!.tileset.name).toBe('ts1');
  });

  it('find the tileset whatever the file order of the tilesets', () => {
    const map = parseTiledMap({ ...sampleMap([]), tilesets: [tileset(3, 'c'), tileset(1, 'a'), tileset(2, 'b')],
      layers: [{ name: 'l', type: 'tilelayer', width: 3, height: 1, data: [1, 2, 3] }] }, 'm');
    expect(map.tileLayers[0]!.tiles.map((t) => t.tileset.name)).toEqual(['a', 'b', 'c']);
  });

  it('give a LevelError, not a RangeError, for 20,000 nested group layers', () => {
    let layers: unknown[] = [{ name: 'floor', type: 'tilelayer', width: 1, height: 1, data: [1] }];
    for (let i = 0; i < 20_000; i++) layers = [{ name: 'g', type: 'group', layers }];
    const parse = () => parseTiledMap({ ...sampleMap([]), layers }, 'deep');
    expect(parse).toThrow(LevelError);
    expect(parse).toThrow(/group layers nested more than 32 deep/);
    // As JSON text too (JSON.parse itself copes with the depth).
    expect(() => parseTiledMap(JSON.stringify({ ...sampleMap([]), layers: [] }).replace('"layers":[]', `"layers":${'[{"type":"group","name":"g","layers":'.repeat(20_000)}[]${'}]'.repeat(20_000)}`), 'deep'))
      .toThrow(/group layers nested more than 32 deep/);
  });

  it('give a LevelError past the size limits (tiles, objects, layers)', () => {
    const huge = { name: 'huge', type: 'tilelayer', width: 3000, height: 3000, data: [] };
    expect(() => parseTiledMap({ ...sampleMap([]), layers: [huge] }, 'm')).toThrow(/layer 'huge': more than 4000000 tiles/);
    const objects = Array.from({ length: TILED_LIMITS.objects + 1 }, (_, i) => ({ id: i, class: 'x', x: 0, y: 0 }));
    expect(() => parseTiledMap(sampleMap(objects), 'm')).toThrow(/more than 100000 objects/);
    // A shared layer list counts once per use: 2^20 layers through 20 nested groups, refused early.
    let shared: unknown[] = [{ name: 'o', type: 'objectgroup', objects: [] }];
    for (let i = 0; i < 20; i++) shared = [{ name: 'g', type: 'group', layers: shared }, { name: 'h', type: 'group', layers: shared }];
    expect(() => parseTiledMap({ ...sampleMap([]), layers: shared }, 'm')).toThrow(/more than 10000 layers/);
    for (const error of [() => parseTiledMap({ ...sampleMap([]), layers: [huge] }, 'm')]) expect(error).toThrow(LevelError);
  });
});

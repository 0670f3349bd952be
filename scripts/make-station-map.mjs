#!/usr/bin/env node
// Writes the demo's Tiled map, assets/levels/station.tmj, in Tiled's JSON map format (open
// it in Tiled to edit it): a 25×19 grid of 32 px tiles with hull walls down both sides, and
// an object layer holding the player, a shield zone (a trigger area) and the starfield.
import { writeFileSync } from 'node:fs';

const W = 25, H = 19, T = 32;
const data = [];
for (let row = 0; row < H; row++) {
  for (let col = 0; col < W; col++) {
    const wall = col === 0 || col === W - 1;
    data.push(wall ? (row % 6 === 3 ? 3 : row % 2 ? 2 : 1) : 0);
  }
}
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648);
let id = 1;
const prop = (name, type, value) => ({ name, type, value });
const objects = [
  { id: id++, name: 'player', class: 'demo.player', x: 384, y: 534, width: 32, height: 32, rotation: 0, visible: true,
    properties: [prop('sprite', 'string', 'player'), prop('z', 'int', 2), prop('tags', 'string', 'player')] },
  { id: id++, name: 'shield zone', class: 'demo.shield_zone', x: 64, y: 486, width: 112, height: 80, rotation: 0, visible: true,
    properties: [prop('seconds', 'float', 1.5), prop('sprite', 'string', 'shield')] },
];
for (let i = 0; i < 48; i++) {
  const speed = 20 + Math.round(rand() * 80);
  objects.push({ id: id++, name: '', class: 'demo.star', x: Math.round(40 + rand() * 720), y: Math.round(rand() * 600), width: 4, height: 4,
    rotation: 0, visible: true, properties: [prop('speed', 'int', speed), prop('sprite', 'string', 'star'), prop('z', 'int', -1)] });
}
const map = {
  type: 'map', version: '1.10', tiledversion: '1.10.2', orientation: 'orthogonal', renderorder: 'right-down',
  infinite: false, width: W, height: H, tilewidth: T, tileheight: T, nextlayerid: 3, nextobjectid: id,
  tilesets: [{ firstgid: 1, name: 'station', image: '../sprites/station_tiles.png', imagewidth: 128, imageheight: 32,
    tilewidth: T, tileheight: T, columns: 4, tilecount: 4, margin: 0, spacing: 0 }],
  layers: [
    { id: 1, name: 'hull', type: 'tilelayer', width: W, height: H, opacity: 1, visible: true, x: 0, y: 0, data },
    { id: 2, name: 'things', type: 'objectgroup', draworder: 'topdown', opacity: 1, visible: true, x: 0, y: 0, objects },
  ],
};
writeFileSync(new URL('../assets/levels/station.tmj', import.meta.url), JSON.stringify(map, null, 1) + '\n');
console.log(`wrote assets/levels/station.tmj (${objects.length} objects)`);

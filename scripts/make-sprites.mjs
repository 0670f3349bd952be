#!/usr/bin/env node
// Draws the demo's sprites (small PNGs in assets/sprites/) from code, so the art is
// reproducible and needs no image editor: `node scripts/make-sprites.mjs`.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
/** Encodes an RGBA image (w×h, `pixel(x, y) -> [r, g, b, a]`) as PNG. */
function png(w, h, pixel) {
  const raw = Buffer.alloc(h * (1 + w * 4));
  for (let y = 0; y < h; y++) {
    raw[y * (1 + w * 4)] = 0;
    for (let x = 0; x < w; x++) {
      const [r, g, b, a] = pixel(x + 0.5, y + 0.5);
      raw.set([r, g, b, a], y * (1 + w * 4) + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
const clear = [0, 0, 0, 0];
const shade = (c, f) => [Math.min(255, c[0] * f), Math.min(255, c[1] * f), Math.min(255, c[2] * f), 255];
const disc = (size, color) => png(size, size, (x, y) => {
  const r = size / 2, d = Math.hypot(x - r, y - r) / r;
  return d <= 1 ? shade(color, 1.25 - d * 0.6) : clear;
});
const sprites = {
  player: png(32, 32, (x, y) => {
    const inside = y > 4 && y < 30 && Math.abs(x - 16) < (y - 4) * 0.55;
    const cockpit = Math.hypot(x - 16, y - 18) < 3.5;
    return cockpit ? [220, 240, 255, 255] : inside ? shade([90, 160, 255], 0.7 + y / 60) : clear;
  }),
  enemy: png(28, 28, (x, y) => {
    const d = Math.hypot(x - 14, y - 14);
    if (Math.hypot(x - 10, y - 12) < 2.5 || Math.hypot(x - 18, y - 12) < 2.5) return [20, 10, 10, 255];
    return d < 13 ? shade([230, 70, 80], 1.2 - d / 26) : clear;
  }),
  boss: png(96, 96, (x, y) => {
    const d = Math.hypot(x - 48, y - 48);
    if (d < 12) return [255, 220, 120, 255];
    const spikes = 40 + 6 * Math.cos(Math.atan2(y - 48, x - 48) * 8);
    return d < spikes ? shade([170, 90, 220], 1.25 - d / 80) : clear;
  }),
  bullet: png(6, 14, (x, y) => (Math.abs(x - 3) < 2.5 ? [255, 240, 120, 255] : clear)),
  enemy_bullet: disc(10, [255, 150, 60]),
  star: disc(4, [200, 210, 255]),
  drifter: png(16, 16, (x, y) => (Math.abs(x - 8) + Math.abs(y - 8) < 7.5 ? shade([120, 220, 150], 1.2 - Math.abs(y - 8) / 16) : clear)),
  spark: disc(8, [255, 255, 200]),
  shield: disc(64, [120, 200, 255]),
  // The station tileset (4 tiles of 32×32 in a row): hull plate, hull rivets, light, vent.
  station_tiles: png(128, 32, (x, y) => {
    const tile = Math.floor(x / 32), tx = x % 32, ty = y;
    const edge = tx < 2 || ty < 2 || tx > 30 || ty > 30;
    const base = [48, 56, 72];
    if (tile === 0) return shade(base, edge ? 0.7 : 1);
    if (tile === 1) return Math.hypot((tx % 16) - 8, (ty % 16) - 8) < 2 ? [120, 130, 150, 255] : shade(base, edge ? 0.7 : 0.95);
    if (tile === 2) return Math.abs(tx - 16) < 6 && Math.abs(ty - 16) < 10 ? [235, 203, 139, 255] : shade(base, edge ? 0.7 : 1);
    return ty % 6 < 3 && tx > 4 && tx < 28 ? [30, 34, 44, 255] : shade(base, edge ? 0.7 : 1);
  }),
};
const dir = new URL('../assets/sprites/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [name, bytes] of Object.entries(sprites)) writeFileSync(new URL(`${name}.png`, dir), bytes);
console.log(`wrote ${Object.keys(sprites).length} sprites to assets/sprites/`);

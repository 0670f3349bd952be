import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from './browser';
import { determinismDigest } from '../../demo/determinismScene';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('The built demo in Chromium', () => {
  it('loads with no console errors and fires scripted timers on the expected steps', async () => {
    const { page, consoleErrors } = await openPage(browser, inject('previewUrl'));
    await page.waitForFunction(() => window.__moonstep!.frame() >= 61, undefined, { timeout: 30_000 });
    const hook = await page.evaluate(() => ({ prints: window.__moonstep!.prints, errors: window.__moonstep!.errors }));
    expect(hook.errors).toEqual([]);
    const texts = hook.prints.map((p) => p.text);
    expect(texts).toContain('demo main loaded\t0');
    expect(texts).toContain('timeout 100ms\t6');
    expect(texts).toContain('waited\t0.5\t30');
    expect(texts).toContain('timeout 1000ms\t60');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('shows Lua errors in the overlay with script and line', async () => {
    const { page } = await openPage(browser, inject('previewUrl'));
    await page.evaluate(() => window.__moonstep!.runLua('setTimeout(function() error("kaboom") end, 0)', 'broken.lua'));
    await page.waitForFunction(() => window.__moonstep!.overlay().length > 0);
    const shown = await page.evaluate(() => window.__moonstep!.overlay());
    expect(shown[0]).toEqual({ where: 'broken.lua:1', message: 'broken.lua:1: kaboom' });
    expect(await page.locator('.moonstep-errors').isVisible()).toBe(true);
    await page.close();
  });

  it('toggles the inspector with the backquote key and lists pending timers', async () => {
    const { page } = await openPage(browser, inject('previewUrl'));
    expect(await page.locator('.moonstep-inspector').isVisible()).toBe(false);
    await page.keyboard.press('Backquote');
    await page.evaluate(() => window.__moonstep!.runLua('setTimeout(function() end, 60000)', 'far.lua'));
    await page.waitForFunction(() => document.querySelector('.moonstep-inspector')?.textContent?.includes('far.lua:1'));
    const text = await page.locator('.moonstep-inspector').textContent();
    expect(text).toMatch(/live slots \d+/);
    expect(text).toMatch(/Lua memory \d+ KiB/);
    expect(text).toContain('script:far.lua');
    expect(text).toContain('demo.player'); // live entities, with their script
    expect(text).toMatch(/updates [\d.]+ ms/); // the step's time split
    await page.close();
  });

  it('computes the same trace digest as Node for the same scene', async () => {
    const { page } = await openPage(browser, inject('previewUrl'));
    const inBrowser = await page.evaluate(() => window.__moonstep!.determinismDigest(3000, 5));
    const inNode = await determinismDigest(3000, 5);
    expect(inBrowser).toEqual(inNode);
    await page.close();
  });
});

describe('The playable demo in Chromium', () => {
  it('draws entities where their sprites are', async () => {
    const { page, consoleErrors } = await openPage(browser, inject('previewUrl'));
    await page.waitForFunction(() => window.__moonstep!.entities().some((e) => e.name === 'player'));
    await page.waitForFunction(() => window.__moonstep!.spriteCount() > 40);
    const colours = await page.evaluate(() => {
      const hook = window.__moonstep!;
      const player = hook.entities().find((e) => e.name === 'player')!;
      const at = hook.screenPosition(player.id)!;
      const wall = hook.arenaToScreen(16, 112); // a hull tile of the station map's left wall
      const space = hook.arenaToScreen(400, 20);
      const space2 = hook.arenaToScreen(430, 44);
      return {
        ship: hook.pixelAt(at.x, at.y + 6), beside: hook.pixelAt(at.x + 40, at.y - 150), corner: hook.pixelAt(2, 2),
        wall: hook.pixelAt(wall.x, wall.y), space: hook.pixelAt(space.x, space.y), space2: hook.pixelAt(space2.x, space2.y),
      };
    });
    // The Tiled map's tile layer is drawn: the hull plating is lighter than empty space.
    const sum = (c: number[]) => c[0]! + c[1]! + c[2]!;
    expect(sum(colours.wall)).toBeGreaterThan(Math.min(sum(colours.space), sum(colours.space2)) + 60);
    // The ship's sprite is blue where the ship is, and only there; outside the arena nothing is drawn.
    expect(colours.ship[2]).toBeGreaterThan(150);
    expect(colours.ship[2]).toBeGreaterThan(colours.ship[0] + 60);
    expect(colours.beside[2] > colours.beside[0] + 60).toBe(false);
    expect(colours.corner).toEqual([0, 0, 0]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('passes keyboard input to Lua: the arrow keys move the ship', async () => {
    const { page } = await openPage(browser, inject('previewUrl'));
    await page.waitForFunction(() => window.__moonstep!.entities().some((e) => e.name === 'player'));
    const x = () => page.evaluate(() => window.__moonstep!.entities().find((e) => e.name === 'player')!.x);
    const start = await x();
    await page.keyboard.down('ArrowLeft');
    await page.waitForFunction((s) => window.__moonstep!.entities().find((e) => e.name === 'player')!.x < s - 60, start);
    await page.keyboard.up('ArrowLeft');
    await page.keyboard.down('ArrowRight');
    const left = await x();
    await page.waitForFunction((s) => window.__moonstep!.entities().find((e) => e.name === 'player')!.x > s + 60, left);
    await page.keyboard.up('ArrowRight');
    await page.close();
  });

  it('runs the stress scene with 2,000 scripted entities on screen', async () => {
    const { page, consoleErrors } = await openPage(browser, `${inject('previewUrl')}?stress=2000`);
    await page.waitForFunction(() => window.__moonstep!.spriteCount() === 2000, undefined, { timeout: 30_000 });
    const start = await page.evaluate(() => window.__moonstep!.frame());
    await page.waitForFunction((s) => window.__moonstep!.frame() > s + 30, start, { timeout: 30_000 });
    expect(await page.evaluate(() => window.__moonstep!.errors)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});

describe('Hot reload in the dev server', () => {
  const file = new URL('../../scripts-lua/demo/star.lua', import.meta.url);
  let original = '';
  beforeAll(() => {
    original = readFileSync(file, 'utf8');
  });
  afterAll(() => {
    if (original) writeFileSync(file, original);
  });

  it('swaps an edited behaviour into live entities; a broken edit shows in the overlay and changes nothing', async () => {
    const { page } = await openPage(browser, inject('devUrl'));
    await page.waitForFunction(() => window.__moonstep!.entities().filter((e) => e.script === 'demo.star').length === 48);
    // 1. A working edit: on_reload runs in every live star, which keeps its state.
    writeFileSync(file, original.replace('return {', 'return {\n  on_reload = function(self) print("star reloaded", self.speed > 0) end,'));
    await page.waitForFunction(() => window.__moonstep!.prints.filter((p) => p.text === 'star reloaded\ttrue').length === 48, undefined, { timeout: 20_000 });
    // 2. A syntax error: pinned in the overlay, the old behaviour keeps running.
    writeFileSync(file, 'return { update = function(self, dt) self.y = end }');
    await page.waitForFunction(() => window.__moonstep!.overlay().some((e) => e.where.startsWith('demo/star.lua')), undefined, { timeout: 20_000 });
    const count = await page.evaluate(() => window.__moonstep!.entities().filter((e) => e.script === 'demo.star').length);
    expect(count).toBe(48);
    // 3. Fixed: the overlay entry goes away.
    writeFileSync(file, original);
    await page.waitForFunction(() => !window.__moonstep!.overlay().some((e) => e.where.startsWith('demo/star.lua')), undefined, { timeout: 20_000 });
    expect(await page.evaluate(() => window.__moonstep!.errors.filter((e) => !e.includes('demo/star.lua')))).toEqual([]);
    await page.close();
  });
});

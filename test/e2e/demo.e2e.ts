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

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from './browser';

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
});

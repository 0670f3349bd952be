import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/index';
import { FsScriptLoader, fsAssetLoader, levelsFromDirectory, manifestFromDirectory } from '../../src/node/index';

const root = new URL('../..', import.meta.url).pathname;

/** The demo game, headless: the same scripts, assets and level as the page. */
async function demo(seed = 1) {
  const rt = await createRuntime({
    seed,
    scriptRoots: [new FsScriptLoader(`${root}/scripts-lua`)],
    assets: manifestFromDirectory(`${root}/assets/sprites`),
    assetLoader: fsAssetLoader(`${root}/assets/sprites`),
    levels: levelsFromDirectory(`${root}/assets/levels`),
  });
  const errors: string[] = [];
  const heard: Array<[string, unknown[]]> = [];
  rt.on('error', (e) => errors.push(e.message));
  for (const name of ['hud', 'banner', 'boss_hp']) rt.on(`lua:${name}`, (...args) => heard.push([name, args]));
  rt.input.bind({ ArrowLeft: 'left', ArrowRight: 'right', Space: 'fire' });
  rt.runScript('demo.main');
  return { rt, errors, heard };
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('The demo game, headless', () => {
  it('plays: the level loads, the ship moves, waves come and shots score', async () => {
    const { rt, errors, heard } = await demo();
    rt.emit('start', { mode: 'game' });
    rt.step();
    await settle();
    rt.step(); // level.load settled
    const playerX = () => rt.inspect().entities.find((e) => e.name === 'player')!.x;
    const startX = playerX();
    rt.input.keyDown('ArrowLeft');
    for (let i = 0; i < 30; i++) rt.step();
    rt.input.keyUp('ArrowLeft');
    expect(playerX()).toBeLessThan(startX - 100);
    // Hold fire and sweep left and right for a minute of game time.
    rt.input.keyDown('Space');
    for (let i = 0; i < 3600; i++) {
      if (i % 240 === 0) rt.input.keyDown(i % 480 === 0 ? 'ArrowRight' : 'ArrowLeft');
      if (i % 240 === 120) {
        rt.input.keyUp('ArrowRight');
        rt.input.keyUp('ArrowLeft');
      }
      rt.step();
    }
    expect(errors).toEqual([]);
    const huds = heard.filter(([name]) => name === 'hud').map(([, args]) => args as number[]);
    const banners = heard.filter(([name]) => name === 'banner').map(([, args]) => args[0]);
    expect(banners).toContain('WAVE 1');
    expect(banners).toContain('WAVE 2');
    expect(Math.max(...huds.map((h) => h[0]!))).toBeGreaterThan(50); // enemies were shot
    expect(rt.stats().entities).toBeGreaterThan(48); // player and stars at least
  }, 60_000);

  it('ends in game over when the player idles, and starts again', async () => {
    const { rt, errors, heard } = await demo();
    rt.emit('start', { mode: 'game' });
    for (let i = 0; i < 60 * 20; i++) {
      rt.step();
      if (rt.pendingHostCallCount > 0) await settle();
    }
    const banners = heard.filter(([name]) => name === 'banner').map(([, args]) => String(args[0]));
    expect(banners[0]).toBe('WAVE 1');
    expect(banners).toContain('GAME OVER - score 0');
    expect(banners.lastIndexOf('WAVE 1')).toBeGreaterThan(banners.indexOf('GAME OVER - score 0'));
    const lives = heard.filter(([name]) => name === 'hud').map(([, args]) => (args as number[])[1]);
    expect(lives).toContain(0);
    expect(errors).toEqual([]);
  }, 60_000);

  it('runs the stress scene with 2,000 scripted entities', async () => {
    const { rt, errors } = await demo();
    rt.emit('start', { mode: 'stress', count: 2000 });
    for (let i = 0; i < 60; i++) rt.step();
    expect(errors).toEqual([]);
    expect(rt.stats().entities).toBe(2000);
    const mirror = rt.enableViewSync();
    rt.step();
    rt.syncViews();
    expect(mirror.entities.size).toBe(2000);
    expect([...mirror.entities.values()].every((e) => e.sprite === 'drifter')).toBe(true);
  });

  it('is deterministic: the same inputs give the same trace', async () => {
    const run = async () => {
      const { rt } = await demo(3);
      rt.setTracing(true);
      rt.emit('start', { mode: 'game' });
      rt.step();
      await settle();
      rt.input.keyDown('Space');
      for (let i = 0; i < 900; i++) rt.step();
      return rt.traceDigest();
    };
    expect(await run()).toEqual(await run());
  });
});

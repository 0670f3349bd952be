import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

// pixi.js reads `navigator` when it loads; Node 20 has none. Sprites and containers need no
// renderer, so the view runs headless here; the browser tests cover the drawing.
(globalThis as { navigator?: unknown }).navigator ??= { userAgent: 'node' };
const { Texture } = await import('pixi.js');
const { EntityView } = await import('../../src/pixi/EntityView');

const MOVER = 'return { update = function(self) self.x = self.x + 10 self.rotation = self.rotation + 1 end }';

describe('The pixi entity view', () => {
  it('creates, moves, z-orders and destroys one sprite per entity', async () => {
    const { rt, run, steps } = await start({}, { 'mover.lua': MOVER, 'still.lua': 'return {}' });
    const view = new EntityView(rt);
    run(`m = entities.spawn("mover", { x = 0, y = 5, z = 2, alpha = 0.5, tint = 0xff0000 })
         s = entities.spawn("still", { x = 1, z = -1, visible = false })
         setTimeout(function() s:destroy() end, 30)`);
    steps(1);
    view.sync(0);
    expect(view.size).toBe(2);
    const sprite = view.spriteOf(1)!;
    expect([sprite.x, sprite.y, sprite.zIndex, sprite.alpha]).toEqual([10, 5, 2, 0.5]);
    expect(sprite.tint).toBe(0xff0000);
    expect(view.spriteOf(2)!.visible).toBe(false);
    steps(2);
    view.sync(0);
    expect(view.size).toBe(1);
    expect(view.spriteOf(1)!.x).toBe(30);
    view.destroy();
  });

  it('interpolates positions between the last two steps when asked to', async () => {
    const { rt, run, steps } = await start({}, { 'mover.lua': MOVER });
    const view = new EntityView(rt, { interpolate: true });
    run('entities.spawn("mover", { x = 0 })');
    steps(2);
    view.sync(0.25);
    const sprite = view.spriteOf(1)!;
    expect(sprite.x).toBe(12.5); // between 10 (step 1) and 20 (step 2)
    expect(sprite.rotation).toBe(1.25);
    view.sync(0.75); // no new step: still between the same two
    expect(sprite.x).toBe(17.5);
  });

  it('textures sprites from the asset catalog, loading on first use', async () => {
    const texture = Texture.WHITE;
    const { rt, run, steps } = await start({
      assets: { ship: 'ship.png' },
      assetLoader: async () => ({ width: 1, height: 1, resource: texture }),
    }, { 'still.lua': 'return {}' });
    const view = new EntityView(rt);
    run('entities.spawn("still", { sprite = "ship" })');
    steps(1);
    view.sync(0);
    await new Promise((r) => setTimeout(r, 0));
    expect(view.spriteOf(1)!.texture).toBe(texture);
  });
});

import { Container, Sprite, Texture, Assets } from 'pixi.js';
import type { Runtime } from '../runtime/Runtime';
import type { EntityView as EntityState } from '../entities/ViewMirror';
import type { AssetLoader } from '../assets/AssetCatalog';
import type { RuntimeView } from './ScriptingController';

/** Options of {@link EntityView}. */
export interface EntityViewOptions {
  /** Where sprites go (default: a new Container; add `view.container` to the stage). */
  container?: Container;
  /**
   * Draw positions and rotations between the last two steps, by the fraction of the next
   * step already accumulated (smooth motion when the display runs faster than the steps).
   * Default false: entities are drawn where the last step left them.
   */
  interpolate?: boolean;
}

/**
 * Shows the runtime's entities as pixi Sprites: one Sprite per entity, created and destroyed
 * with it, z-ordered by `self.z`, textured from its `sprite` asset (loaded on first use).
 * Each frame it takes the view changes of the steps that ran in one transfer
 * (`runtime.syncViews()`) and touches only the sprites that changed.
 */
export class EntityView implements RuntimeView {
  /** The sprites' container. */
  readonly container: Container;
  private readonly sprites = new Map<number, Sprite>();
  private readonly interpolate: boolean;
  private readonly waitingTexture = new Map<number, string>();

  constructor(private readonly runtime: Runtime, options: EntityViewOptions = {}) {
    this.container = options.container ?? new Container();
    this.container.sortableChildren = true;
    this.interpolate = options.interpolate ?? false;
    runtime.enableViewSync();
  }

  /** Number of sprites shown (live entities). */
  get size(): number {
    return this.sprites.size;
  }

  /** The Sprite of entity `id`. */
  spriteOf(id: number): Sprite | undefined {
    return this.sprites.get(id);
  }

  /** Applies the changes of the steps run since the last call; `alpha` for interpolation. */
  sync(alpha: number): void {
    if (this.runtime.closed) return;
    const changes = this.runtime.syncViews();
    for (const id of changes.destroyed) {
      const sprite = this.sprites.get(id);
      if (!sprite) continue;
      this.sprites.delete(id);
      this.waitingTexture.delete(id);
      sprite.destroy();
    }
    for (const state of changes.created) {
      const sprite = new Sprite(Texture.EMPTY);
      sprite.anchor.set(0.5);
      this.sprites.set(state.id, sprite);
      this.container.addChild(sprite);
      this.apply(sprite, state);
    }
    for (const state of changes.changed) {
      const sprite = this.sprites.get(state.id);
      if (sprite) this.apply(sprite, state);
    }
    // The common case: only position and rotation changed (no colour or texture work).
    for (const state of changes.moved) {
      const sprite = this.sprites.get(state.id);
      if (!sprite) continue;
      sprite.position.set(state.x, state.y);
      sprite.rotation = state.rotation;
    }
    if (this.interpolate) this.interpolateMoving(alpha);
  }

  private apply(sprite: Sprite, s: EntityState): void {
    sprite.position.set(s.x, s.y);
    sprite.rotation = s.rotation;
    sprite.scale.set(s.scaleX, s.scaleY);
    sprite.alpha = s.alpha;
    sprite.tint = s.tint;
    sprite.zIndex = s.z;
    sprite.visible = s.visible && s.sprite !== null;
    this.setTexture(sprite, s);
  }

  private setTexture(sprite: Sprite, s: EntityState): void {
    const name = s.sprite;
    if (name === null) return;
    const catalog = this.runtime.assets;
    const texture = catalog.resource(name);
    if (texture instanceof Texture) {
      if (sprite.texture !== texture) sprite.texture = texture;
      this.waitingTexture.delete(s.id);
      return;
    }
    if (this.waitingTexture.get(s.id) === name) return;
    this.waitingTexture.set(s.id, name);
    catalog.load(name).then(
      () => {
        if (this.waitingTexture.get(s.id) !== name) return;
        this.waitingTexture.delete(s.id);
        const loaded = catalog.resource(name);
        if (loaded instanceof Texture && !sprite.destroyed) sprite.texture = loaded;
      },
      () => this.waitingTexture.delete(s.id),
    );
  }

  private interpolateMoving(alpha: number): void {
    const mirror = this.runtime.views;
    if (!mirror) return;
    const step = mirror.step;
    for (const s of mirror.entities.values()) {
      if (s.changedStep !== step) continue;
      const sprite = this.sprites.get(s.id);
      if (!sprite) continue;
      sprite.position.set(s.prevX + (s.x - s.prevX) * alpha, s.prevY + (s.y - s.prevY) * alpha);
      sprite.rotation = s.prevRotation + (s.rotation - s.prevRotation) * alpha;
    }
  }

  /** Removes every sprite. */
  destroy(): void {
    for (const sprite of this.sprites.values()) sprite.destroy();
    this.sprites.clear();
    this.waitingTexture.clear();
  }
}

/** An asset loader for {@link Runtime.assets} that loads through pixi's `Assets` (Textures). */
export const pixiAssetLoader: AssetLoader = async (name, src) => {
  const texture = (await Assets.load({ alias: name, src })) as Texture;
  return { width: texture.width, height: texture.height, resource: texture };
};

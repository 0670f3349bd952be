import { Container, Rectangle, Sprite, Texture } from 'pixi.js';
import type { AssetCatalog } from '../assets/AssetCatalog';
import type { TiledMap } from '../entities/TiledMap';

/**
 * Draws the tile layers of a Tiled map (see `parseTiledMap`): one Sprite per tile, cut from
 * its tileset's image, which must be an asset named after the image file (`station_tiles`).
 * Object layers are not drawn here: they are entities, drawn by the EntityView.
 */
export class TiledMapView {
  /** One child Container per tile layer, in map order. */
  readonly container = new Container();

  private constructor() {}

  /** Loads the tilesets' images through `assets` and builds the layers. */
  static async create(map: TiledMap, assets: AssetCatalog): Promise<TiledMapView> {
    const view = new TiledMapView();
    const images = new Map<string, Texture>();
    for (const tileset of map.tilesets) {
      if (!assets.has(tileset.image)) throw new Error(`moonstep: map '${map.name}': tileset image '${tileset.image}' is not in the asset manifest`);
      await assets.load(tileset.image);
      const texture = assets.resource(tileset.image);
      if (!(texture instanceof Texture)) throw new Error(`moonstep: map '${map.name}': asset '${tileset.image}' is not a texture`);
      images.set(tileset.image, texture);
    }
    const frames = new Map<string, Texture>();
    for (const layer of map.tileLayers) {
      const layerContainer = new Container({ label: layer.name });
      layerContainer.alpha = layer.opacity;
      layerContainer.visible = layer.visible;
      layerContainer.position.set(layer.offsetX, layer.offsetY);
      for (const tile of layer.tiles) {
        const ts = tile.tileset;
        const key = `${ts.image}:${tile.index}`;
        let frame = frames.get(key);
        if (!frame) {
          const col = tile.index % ts.columns;
          const row = Math.floor(tile.index / ts.columns);
          frame = new Texture({
            source: images.get(ts.image)!.source,
            frame: new Rectangle(ts.margin + col * (ts.tileWidth + ts.spacing), ts.margin + row * (ts.tileHeight + ts.spacing), ts.tileWidth, ts.tileHeight),
          });
          frames.set(key, frame);
        }
        const sprite = new Sprite(frame);
        sprite.anchor.set(0.5);
        // Tiles sit on the grid by their bottom-left corner (Tiled's convention for larger tiles).
        sprite.position.set(tile.col * map.tileWidth + ts.tileWidth / 2, (tile.row + 1) * map.tileHeight - ts.tileHeight / 2);
        if (tile.flipDiagonal) {
          sprite.rotation = Math.PI / 2;
          sprite.scale.set(tile.flipY ? -1 : 1, tile.flipX ? 1 : -1);
        } else {
          sprite.scale.set(tile.flipX ? -1 : 1, tile.flipY ? -1 : 1);
        }
        layerContainer.addChild(sprite);
      }
      view.container.addChild(layerContainer);
    }
    return view;
  }

  /** Removes the sprites. */
  destroy(): void {
    this.container.destroy({ children: true });
  }
}

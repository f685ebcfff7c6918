// Map layers drawn from the style document (stil.json): vector tiles zoomed out, GeoJSON by bbox in.
import L from "leaflet";
import "leaflet.vectorgrid";
import { getJson } from "./api.js";
import { markerBox, markerSvg, pathStyle } from "./symbols.js";

export const GEOJSON_MIN_ZOOM = 16;
// Zoomed out, areas, lines and parcels come as vector tiles from these zoom levels (points do not).
const TILE_MIN_ZOOM_OF_KIND = { yta: 12, linje: 13 };
const PARCELS = "fastigheter";
const PARCEL_TILE_MIN_ZOOM = 15;
const PAGE_LIMIT = 5000;
const HIDDEN = { weight: 0, opacity: 0, fill: false, fillOpacity: 0 };

export class Layers {
  // collections: the OGC API collection of each geometry kind (stil.json's samlingar).
  constructor(map, styles, collections) {
    this.map = map;
    this.products = new Map(styles.map((s) => [s.kod, s]));
    this.collections = collections;
    this.tileMinZoom = {};
    for (const [kind, zoom] of Object.entries(TILE_MIN_ZOOM_OF_KIND)) this.tileMinZoom[collections[kind]] = zoom;
    this.tileMinZoom[PARCELS] = PARCEL_TILE_MIN_ZOOM;
    this.hiddenCategories = new Set();
    this.organisation = "";
    this.geojson = L.layerGroup().addTo(map);
    this.tiles = {};
    this.context = L.layerGroup().addTo(map);
    this.requestId = 0;
  }

  visible(code, organisation) {
    const product = this.products.get(code);
    if (!product || this.hiddenCategories.has(product.kategori)) return false;
    return !this.organisation || organisation === this.organisation;
  }

  async loadContext() {
    const [boundary, areas] = await Promise.all([
      getJson("/ogc/collections/kommungrans/items"),
      getJson("/ogc/collections/driftomraden/items?limit=1000"),
    ]);
    L.geoJSON(areas, {
      interactive: false,
      style: { color: "#5b4a8b", weight: 2, dashArray: "8 6", fill: false },
    }).addTo(this.context);
    const outline = L.geoJSON(boundary, {
      interactive: false,
      style: { color: "#1d2b4f", weight: 3, fill: false },
    }).addTo(this.context);
    return outline.getBounds();
  }

  tileStyle(collection) {
    return (properties) => {
      if (collection === PARCELS) {
        return { color: "#6b6b6b", weight: 0.6, fill: false, opacity: 0.8 };
      }
      if (!this.visible(properties.produkt, properties.huvudman)) return HIDDEN;
      return pathStyle(this.products.get(properties.produkt));
    };
  }

  makeTiles(collection) {
    const style = this.tileStyle(collection);
    return L.vectorGrid.protobuf(
      `/ogc/collections/${collection}/tiles/WebMercatorQuad/{z}/{x}/{y}`,
      {
        interactive: false,
        minZoom: this.tileMinZoom[collection],
        maxZoom: GEOJSON_MIN_ZOOM - 1,
        maxNativeZoom: GEOJSON_MIN_ZOOM - 1,
        vectorTileLayerStyles: { [collection]: style },
        rendererFactory: L.canvas.tile,
      },
    );
  }

  async refresh() {
    const zoom = this.map.getZoom();
    const useGeojson = zoom >= GEOJSON_MIN_ZOOM;
    for (const [collection, minZoom] of Object.entries(this.tileMinZoom)) {
      const wanted = !useGeojson && zoom >= minZoom;
      if (wanted && !this.tiles[collection]) {
        this.tiles[collection] = this.makeTiles(collection).addTo(this.map);
      } else if (!wanted && this.tiles[collection]) {
        this.map.removeLayer(this.tiles[collection]);
        delete this.tiles[collection];
      }
    }
    this.geojson.clearLayers();
    const requestId = ++this.requestId;
    const loading = Object.values(this.tiles)
      .filter((layer) => layer.isLoading())
      .map((layer) => new Promise((done) => layer.once("load", done)));
    if (useGeojson) loading.push(this.loadGeojson(requestId));
    await Promise.all(loading);
    // Tests and benchmarks wait for this: every visible layer of the current view is drawn.
    if (requestId === this.requestId) this.map.getContainer().dataset.ritat = String(requestId);
  }

  redrawTiles() {
    for (const collection of Object.keys(this.tiles)) {
      this.map.removeLayer(this.tiles[collection]);
      delete this.tiles[collection];
    }
    return this.refresh();
  }

  async loadGeojson(requestId) {
    const b = this.map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",");
    const filter = this.organisation ? `&huvudman=${encodeURIComponent(this.organisation)}` : "";
    const url = (c) => `/ogc/collections/${c}/items?bbox=${bbox}&limit=${PAGE_LIMIT}${filter}`;
    const [parcels, areas, lines, points] = await Promise.all([
      getJson(`/ogc/collections/${PARCELS}/items?bbox=${bbox}&limit=${PAGE_LIMIT}`),
      getJson(url(this.collections.yta)),
      getJson(url(this.collections.linje)),
      getJson(url(this.collections.punkt)),
    ]);
    if (requestId !== this.requestId) return;
    const keep = (f) => this.visible(f.properties.produkt, f.properties.huvudman);
    const style = (f) => pathStyle(this.products.get(f.properties.produkt));
    L.geoJSON(parcels, {
      interactive: false,
      style: { color: "#6b6b6b", weight: 0.8, fill: false, opacity: 0.9 },
    }).addTo(this.geojson);
    L.geoJSON(areas, { interactive: false, filter: keep, style }).addTo(this.geojson);
    L.geoJSON(lines, { interactive: false, filter: keep, style }).addTo(this.geojson);
    L.geoJSON(points, {
      filter: keep,
      pointToLayer: (f, latlng) => {
        const style = this.products.get(f.properties.produkt);
        const size = markerBox(style);
        const icon = L.divIcon({ html: markerSvg(style), className: "symbol", iconSize: [size, size] });
        return L.marker(latlng, { icon, interactive: false, keyboard: false });
      },
    }).addTo(this.geojson);
  }
}

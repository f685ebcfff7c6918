// The analysis map: the mix index per cell or driftområde as a choropleth, the coordination
// zones as numbered outlines and the sports facilities, on the same base map as the other pages.
import "leaflet/dist/leaflet.css";
import L from "leaflet";
import { HUDDINGE, addBaseMap } from "../basemap.js";

const ZONE = { color: "#b00058", weight: 2, fill: false, opacity: 0.9, className: "zone-outline" };
const CHOSEN_ZONE = { color: "#b00058", weight: 5, fill: true, fillOpacity: 0.12, opacity: 1 };
const FACILITY = { color: "#8a4b00", weight: 2, fillColor: "#e69f00", fillOpacity: 0.25, className: "sports-facility" };
const SHARED_FACILITY = { ...FACILITY, weight: 4, dashArray: "6 4", className: "sports-facility shared" };

export class AnalysisMap {
  constructor(container, settings) {
    this.container = container;
    this.map = L.map(container, { zoomControl: true }).setView(HUDDINGE, 12);
    this.map.attributionControl.setPrefix(false);
    addBaseMap(this.map, settings);
    this.mixLayer = L.layerGroup().addTo(this.map);
    this.facilityLayer = L.layerGroup().addTo(this.map);
    this.zoneLayer = L.layerGroup().addTo(this.map);
    this.mixById = new Map();
    this.zoneById = new Map();
    this.facilityById = new Map();
    this.chosenZone = null;
    this.fitted = false;
    // The view in the document, for the tests and anyone reading the page's state.
    this.map.on("moveend zoomend", () => this.recordView());
    this.recordView();
  }

  recordView() {
    const b = this.map.getBounds();
    this.container.dataset.vy = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",");
  }

  // features: the mix's GeoJSON features; classOf(index) → {index, colour}; popup(properties) → Node.
  showMix(features, classOf, popup) {
    this.mixLayer.clearLayers();
    this.mixById.clear();
    for (const feature of features) {
      const found = classOf(feature.properties.blandningsindex);
      const layer = L.geoJSON(feature, {
        style: {
          color: "#14213d",
          weight: 0.6,
          opacity: 0.6,
          fillColor: found.colour,
          fillOpacity: 0.72,
          className: `mix-cell mix-klass-${found.index}`,
        },
      });
      layer.bindPopup(() => popup(feature.properties), { maxWidth: 280 });
      layer.addTo(this.mixLayer);
      this.mixById.set(String(feature.id), layer);
    }
    if (!this.fitted) this.fitAll();
  }

  fitAll() {
    this.map.invalidateSize();
    const bounds = L.latLngBounds([]);
    for (const group of [this.mixLayer, this.zoneLayer, this.facilityLayer]) {
      group.eachLayer((layer) => layer.getBounds && bounds.extend(layer.getBounds()));
    }
    if (!bounds.isValid()) return;
    this.fitted = true;
    this.map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17, animate: false });
  }

  // A place of the mix (a cell or an area) in view, its popup open.
  goToMix(id) {
    const layer = this.mixById.get(String(id));
    if (!layer) return;
    this.fit(layer.getBounds());
    layer.openPopup(layer.getBounds().getCenter());
  }

  showZones(features, onChoose) {
    this.zoneLayer.clearLayers();
    this.zoneById.clear();
    for (const feature of features) {
      const outline = L.geoJSON(feature, { style: ZONE });
      outline.on("click", () => onChoose(feature.id));
      const rank = document.createElement("span");
      rank.textContent = String(feature.properties.rang);
      const label = L.marker(outline.getBounds().getNorthWest(), {
        icon: L.divIcon({ className: "zone-rank", html: rank, iconSize: [24, 24], iconAnchor: [12, 12] }),
        interactive: false,
        keyboard: false,
      });
      const group = L.featureGroup([outline, label]).addTo(this.zoneLayer);
      this.zoneById.set(feature.id, { outline, group });
    }
    if (!this.fitted) this.fitAll();
  }

  chooseZone(id) {
    this.chosenZone = id;
    for (const [key, { outline }] of this.zoneById) outline.setStyle(key === id ? CHOSEN_ZONE : ZONE);
    const zone = this.zoneById.get(id);
    if (!zone) return;
    zone.outline.bringToFront();
    this.fit(zone.outline.getBounds());
  }

  showFacilities(features) {
    this.facilityLayer.clearLayers();
    this.facilityById.clear();
    for (const feature of features) {
      const layer = L.geoJSON(feature, {
        style: feature.properties.flera_huvudman ? SHARED_FACILITY : FACILITY,
        pointToLayer: (_, latlng) => L.circleMarker(latlng, { radius: 7, ...FACILITY }),
      });
      layer.bindTooltip(feature.properties.namn || "Idrottsanläggning");
      layer.addTo(this.facilityLayer);
      this.facilityById.set(String(feature.id), layer);
    }
  }

  goToFacility(id) {
    const layer = this.facilityById.get(String(id));
    if (layer) this.fit(layer.getBounds());
  }

  fit(bounds) {
    this.map.invalidateSize();
    this.map.fitBounds(bounds, { padding: [30, 30], maxZoom: 18, animate: false });
    this.recordView();
  }

  // The map's view as a polygon in WGS84: the what-if's area "kartans vy".
  viewPolygon() {
    const b = this.map.getBounds();
    const [w, s, e, n] = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    return { type: "Polygon", coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
  }

  resize() {
    this.map.invalidateSize();
  }
}

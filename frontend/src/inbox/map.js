// The inbox's reports on a Leaflet map: a dot per report, coloured by status.
import "leaflet/dist/leaflet.css";
import L from "leaflet";
import { getJson } from "../api.js";
import { HUDDINGE, addBaseMap } from "../basemap.js";
import { reportMarker } from "./report-marker.js";
import { STATUS_COLOUR } from "./statuses.js";

const AREA = { color: "#5b4a8b", weight: 2, dashArray: "8 6", fill: false, opacity: 0.8 };
const CHOSEN_AREA = { color: "#5b4a8b", weight: 4, dashArray: null, fill: true, fillOpacity: 0.06, opacity: 1 };

export class InboxMap {
  constructor(container, settings, onOpen) {
    this.map = L.map(container, { zoomControl: true }).setView(HUDDINGE, 12);
    this.map.attributionControl.setPrefix(false);
    addBaseMap(this.map, settings);
    this.context = L.layerGroup().addTo(this.map);
    this.areaLayers = new Map();
    this.chosenArea = null;
    this.layer = L.layerGroup().addTo(this.map);
    this.markers = new Map();
    this.onOpen = onOpen;
  }

  // The municipality's outline and the inbox's own operations areas, for orientation (the map
  // may have no base map); the chosen area drawn stronger.
  async drawContext(areaIds) {
    const [boundary, areas] = await Promise.all([
      getJson("/ogc/collections/kommungrans/items").catch(() => null),
      areaIds.length ? getJson("/ogc/collections/driftomraden/items?limit=1000").catch(() => null) : null,
    ]);
    if (boundary) L.geoJSON(boundary, { interactive: false, style: { color: "#1d2b4f", weight: 2, fill: false } }).addTo(this.context);
    for (const feature of areas?.features || []) {
      if (!areaIds.includes(String(feature.id))) continue;
      const layer = L.geoJSON(feature, { interactive: false, style: AREA }).addTo(this.context);
      this.areaLayers.set(String(feature.id), layer);
    }
    this.chooseArea(this.chosenArea);
    if (this.chosenArea) this.fit();
  }

  chooseArea(areaId) {
    this.chosenArea = areaId;
    for (const [id, layer] of this.areaLayers) layer.setStyle(id === areaId ? CHOSEN_AREA : AREA);
  }

  show(reports) {
    this.layer.clearLayers();
    this.markers.clear();
    for (const report of reports) this.add(report);
    this.fit();
  }

  add(report) {
    const { lat, lon } = report.punkt;
    const label = `${report.nummer}, ${report.kategori.namn}, ${report.status_text}`;
    const marker = reportMarker([lat, lon], {
      label,
      text: label,
      colour: STATUS_COLOUR[report.status],
      onOpen: () => this.onOpen(report.nummer),
    });
    marker.addTo(this.layer);
    this.markers.set(report.nummer, marker);
  }

  // The reports in view, and the chosen area with them.
  fit() {
    // The box may have changed size (the chart below it is drawn, a layout switch).
    this.map.invalidateSize();
    const bounds = L.latLngBounds([...this.markers.values()].map((m) => m.getLatLng()));
    const area = this.areaLayers.get(this.chosenArea);
    if (area) bounds.extend(area.getBounds());
    if (!bounds.isValid()) return;
    this.map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17, animate: false });
  }

  highlight(nummer) {
    for (const [key, marker] of this.markers) marker.getElement()?.classList.toggle("chosen", key === nummer);
  }

  // After the map's box changed size (a layout switch): Leaflet measures again.
  resize() {
    this.map.invalidateSize();
  }
}

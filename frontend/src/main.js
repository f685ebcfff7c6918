// Ansvarskartan: click anywhere in Huddinge and see who maintains the spot.
import "leaflet/dist/leaflet.css";
import "./app.css";
import L from "leaflet";
import { ApiError, getJson } from "./api.js";
import { Layers } from "./layers.js";
import { buildLegend } from "./legend.js";
import { renderAnswer, renderMessage } from "./panel.js";
import { showReporting } from "./report/entry.js";
import { ReportsLayer } from "./report/layer.js";
import { setupSearch } from "./search.js";
import { readView, writeView } from "./urlstate.js";

const HUDDINGE = [59.215, 18.03];
const HIGHLIGHT = { color: "#ffd400", weight: 6, opacity: 0.95, fill: false };

const panel = document.getElementById("svar");
const notice = document.getElementById("notis");
let selected = null;
let marker = null;
let highlight = null;
// The OGC API collection of each geometry kind, from the style document.
let collectionOfKind = {};

function notify(text) {
  notice.textContent = text;
  notice.hidden = false;
}

function addBaseMap(map, settings) {
  const basemap = settings.bakgrundskarta;
  if (!basemap) {
    map.getContainer().classList.add("no-basemap");
    return;
  }
  let failed = false;
  L.tileLayer(basemap.url, { attribution: basemap.attribution, maxZoom: 20, maxNativeZoom: 19 })
    .on("tileerror", () => {
      if (failed) return;
      failed = true;
      map.getContainer().classList.add("no-basemap");
      notify("Bakgrundskartan kan inte nås just nu. Skötselansvaret visas ändå.");
    })
    .addTo(map);
}

async function showHighlight(map, answer) {
  if (highlight) map.removeLayer(highlight);
  highlight = null;
  if (!answer.objekt) return;
  const collection = collectionOfKind[answer.objekt.geometrityp];
  try {
    const feature = await getJson(`/ogc/collections/${collection}/items/${answer.objekt.id}`);
    highlight = L.geoJSON(feature, {
      interactive: false,
      style: HIGHLIGHT,
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { ...HIGHLIGHT, radius: 12 }),
    }).addTo(map);
  } catch {
    // The answer stands without the highlight.
  }
}

// On a phone the answer is a bottom sheet: move the map so the point stays in sight above it.
function keepPointVisible(map, latlng) {
  if (window.matchMedia("(min-width: 800px)").matches) return;
  const point = map.latLngToContainerPoint(latlng);
  const visibleBottom = map.getSize().y - panel.offsetHeight;
  if (point.y > visibleBottom - 40) map.panBy([0, point.y - visibleBottom / 2], { animate: false });
}

async function resolve(map, latlng) {
  selected = [latlng.lat, latlng.lng];
  writeView(map, selected);
  if (marker) marker.setLatLng(latlng);
  else marker = L.circleMarker(latlng, { radius: 6, color: "#111", weight: 2, fillColor: "#fff", fillOpacity: 1 }).addTo(map);
  panel.hidden = false;
  // The notice has been read by now; on a phone it would cover the answer.
  notice.hidden = true;
  panel.innerHTML = '<p class="loading">Söker ansvarig …</p>';
  try {
    const answer = await getJson(`/api/v1/ansvar?lon=${latlng.lng.toFixed(7)}&lat=${latlng.lat.toFixed(7)}`);
    renderAnswer(panel, answer);
    showReporting(panel.querySelector(".report-slot"), answer, latlng);
    keepPointVisible(map, latlng);
    await showHighlight(map, answer);
  } catch (error) {
    if (highlight) map.removeLayer(highlight);
    const problem = error instanceof ApiError ? error.problem : null;
    if (problem?.type === "utanfor-kommunen") {
      renderMessage(panel, "Utanför Huddinge kommun", problem.detail);
    } else {
      renderMessage(panel, "Kunde inte hämta svaret", error.message);
    }
  }
  panel.dataset.klar = String(Date.now());
}

async function start() {
  // The legend takes room beside the map on wide screens; decide before the map measures itself.
  const legend = document.getElementById("teckenforklaring");
  const toggle = document.getElementById("visaforklaring");
  const wide = window.matchMedia("(min-width: 800px)").matches;
  legend.hidden = !wide;
  toggle.setAttribute("aria-expanded", String(wide));
  const map = L.map("karta", { zoomControl: true, preferCanvas: false });
  const view = readView();
  map.setView(view ? view.center : HUDDINGE, view ? view.zoom : 12);
  let settings;
  let products;
  try {
    let styles;
    [settings, styles] = await Promise.all([
      getJson("/api/v1/karta/installningar"),
      getJson("/api/v1/skotselprodukter/stil.json"),
    ]);
    // Each product's legend entry and its symbol, in catalogue order.
    products = styles.produkter;
    collectionOfKind = styles.samlingar;
  } catch (error) {
    renderMessage(panel, "Tjänsten svarar inte", error.message);
    return;
  }
  addBaseMap(map, settings);
  const layers = new Layers(map, products, collectionOfKind);
  try {
    const bounds = await layers.loadContext();
    // Not animated: a zoom animation started while the page is still loading can leave
    // Leaflet waiting for it forever, and every later setView is then ignored.
    if (!view) map.fitBounds(bounds, { animate: false });
  } catch (error) {
    notify(error.message);
  }
  buildLegend(document.getElementById("kategorier"), products, (category, on) => {
    if (on) layers.hiddenCategories.delete(category);
    else layers.hiddenCategories.add(category);
    layers.redrawTiles();
  });

  new ReportsLayer(map, document.getElementById("kategorier"));

  const organisations = await getJson("/api/v1/organisationer").catch(() => []);
  const select = document.getElementById("organisation");
  for (const org of organisations) select.append(new Option(org.namn, org.slug));
  select.addEventListener("change", () => {
    layers.organisation = select.value;
    layers.redrawTiles();
  });

  toggle.addEventListener("click", () => {
    legend.hidden = !legend.hidden;
    toggle.setAttribute("aria-expanded", String(!legend.hidden));
    map.invalidateSize();
  });

  panel.addEventListener("click", (event) => {
    if (event.target.classList.contains("close")) {
      panel.hidden = true;
      selected = null;
      writeView(map, null);
    }
  });
  document.getElementById("minposition").addEventListener("click", () => {
    if (!navigator.geolocation) {
      notify("Den här enheten kan inte ange sin position.");
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const here = L.latLng(position.coords.latitude, position.coords.longitude);
        map.setView(here, Math.max(map.getZoom(), 18));
        resolve(map, here);
      },
      () => notify("Din position kunde inte hämtas."),
      { enableHighAccuracy: true, timeout: 10000 },
    );
  });
  map.on("click", (event) => resolve(map, event.latlng));
  // Keyboard users pan with the arrow keys and ask about the centre of the map with Enter.
  map.getContainer().addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target === map.getContainer()) resolve(map, map.getCenter());
  });
  map.on("moveend", () => {
    writeView(map, selected);
    layers.refresh().catch((error) => notify(error.message));
  });

  setupSearch(document.getElementById("sok"), document.getElementById("sokforslag"), (choice) => {
    if (choice.typ === "organisation") {
      select.value = choice.slug;
      layers.organisation = choice.slug;
      layers.redrawTiles();
    }
    if (choice.bbox) {
      const [w, s, e, n] = choice.bbox;
      map.fitBounds([[s, w], [n, e]], { maxZoom: 18 });
    }
  });

  await layers.refresh();
  if (view?.point) await resolve(map, L.latLng(view.point[0], view.point[1]));
  document.body.dataset.redo = "ja";
}

start();

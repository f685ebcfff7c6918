// Ansvarskartan: click anywhere in Huddinge and see who maintains the spot.
import "leaflet/dist/leaflet.css";
import "./app.css";
import L from "leaflet";
import { mountAccount } from "./account.js";
import { ApiError, getJson } from "./api.js";
import { HUDDINGE, addBaseMap } from "./basemap.js";
import { Highlights } from "./highlight.js";
import { GEOJSON_MIN_ZOOM, Layers } from "./layers.js";
import { buildLegend } from "./legend.js";
import { Notices } from "./notice.js";
import { renderAnswer, renderLoading, renderMessage } from "./panel.js";
import { showReporting } from "./report/entry.js";
import { ReportsLayer } from "./report/layer.js";
import { setupSearch } from "./search.js";
import { shareLink } from "./share.js";
import { markerBox } from "./symbols.js";
import { placeLink, readOrganisation, readView, writeView } from "./urlstate.js";
import { fitInView, isWide, keepInView } from "./viewport.js";

// The largest tolerance the service takes (noggrannhet_m).
const MAX_TOLERANCE_M = 10000;

const panel = document.getElementById("svar");
const startHint = document.getElementById("starttips");
const notices = new Notices(document.getElementById("notis"), panel, document.getElementById("kartyta"));
const announcer = document.getElementById("svarsstatus");
let selected = null;
let marker = null;
let highlights = null;
let layers = null;
// Half the largest point symbol, in pixels: how near a click must be to mean a point object.
let symbolRadiusPx = 8;
// Each answer asked for gets a number; only the latest may draw.
let asked = 0;

// The click's tolerance in metres: the symbol radius at this zoom, where point symbols are drawn
// (zoomed further out there are none to aim at, and the service's default applies).
function clickTolerance(map, latlng) {
  if (map.getZoom() < GEOJSON_MIN_ZOOM) return null;
  const here = map.latLngToContainerPoint(latlng);
  const metres = map.distance(latlng, map.containerPointToLatLng(here.add([symbolRadiusPx, 0])));
  return Math.round(metres * 10) / 10;
}

function organisationFilter() {
  return layers ? layers.organisation : "";
}

function updateUrl(map) {
  writeView(map, selected, organisationFilter());
}

// Focus goes to the answer, unless someone is typing (in the search, say) meanwhile; a choice in
// the search hands it over (takeFocus). Where focus stays, the answer is announced instead.
function presentAnswer(takeFocus, announcement) {
  const typing = document.activeElement?.matches("input, select, textarea");
  if (takeFocus || !typing) {
    announcer.textContent = "";
    panel.querySelector("h2")?.focus({ preventScroll: true });
  } else {
    announcer.textContent = announcement;
  }
}

function closePanel(map) {
  const hadFocus = panel.contains(document.activeElement);
  panel.hidden = true;
  panel.removeAttribute("aria-busy");
  selected = null;
  asked += 1;
  highlights.clearAnswer();
  highlights.clearParcel();
  if (marker) {
    map.removeLayer(marker);
    marker = null;
  }
  updateUrl(map);
  notices.place();
  if (hadFocus) map.getContainer().focus({ preventScroll: true });
}

// Asks who maintains latlng and shows it. tolerance: metres (null: the service's default);
// bounds: something else to keep in sight with the point (a parcel chosen in the search).
async function resolve(map, latlng, { tolerance = null, bounds = null, takeFocus = false } = {}) {
  const mine = ++asked;
  selected = [latlng.lat, latlng.lng];
  updateUrl(map);
  startHint.hidden = true;
  if (marker) marker.setLatLng(latlng);
  else marker = L.circleMarker(latlng, { radius: 6, color: "#111", weight: 2, fillColor: "#fff", fillOpacity: 1, interactive: false }).addTo(map);
  if (panel.hidden) renderLoading(panel);
  panel.setAttribute("aria-busy", "true");
  let url = `/api/v1/ansvar?lon=${latlng.lng.toFixed(7)}&lat=${latlng.lat.toFixed(7)}`;
  if (tolerance != null) url += `&noggrannhet_m=${tolerance}`;
  try {
    const answer = await getJson(url);
    if (mine !== asked) return;
    const link = placeLink(selected, map.getZoom(), organisationFilter());
    renderAnswer(panel, answer, link);
    showReporting(panel.querySelector(".report-slot"), answer, latlng);
    panel.querySelector(".share-button").addEventListener("click", () => {
      const status = panel.querySelector(".share-status");
      status.textContent = "";
      shareLink(link, status);
    });
    presentAnswer(takeFocus, `Svar: ${answer.huvudman ? answer.huvudman.namn : "ingen ansvarig hittades"}.`);
    keepInView(map, panel, latlng, bounds);
    const marked = await highlights.showAnswer(answer);
    if (mine !== asked) return;
    if (marked) keepInView(map, panel, latlng, bounds ? bounds.extend(marked) : marked);
  } catch (error) {
    if (mine !== asked) return;
    highlights.clearAnswer();
    const problem = error instanceof ApiError ? error.problem : null;
    if (problem?.type === "utanfor-kommunen") {
      renderMessage(panel, "Utanför Huddinge kommun", problem.detail);
    } else {
      renderMessage(panel, "Kunde inte hämta svaret", error.message);
    }
    presentAnswer(takeFocus, panel.querySelector("h2").textContent);
  }
  panel.removeAttribute("aria-busy");
  panel.dataset.klar = String(Date.now());
}

// A parcel chosen in the search: outline and label it, fit it beside the panel, answer inside it.
async function showParcel(map, choice) {
  const inside = L.latLng(choice.punkt[1], choice.punkt[0]);
  let bounds = null;
  try {
    bounds = await highlights.showParcel(choice.namn, choice.fastighetsytor || [], inside);
  } catch (error) {
    notices.show(error.message);
  }
  if (panel.hidden) renderLoading(panel);
  if (bounds?.isValid()) fitInView(map, panel, bounds, 18);
  else map.setView(inside, Math.max(map.getZoom(), 17), { animate: false });
  await resolve(map, inside, { bounds, takeFocus: true });
}

async function start() {
  // The legend takes room beside the map on wide screens; decide before the map measures itself.
  const legend = document.getElementById("teckenforklaring");
  const toggle = document.getElementById("visaforklaring");
  legend.hidden = !isWide();
  toggle.setAttribute("aria-expanded", String(!legend.hidden));
  const map = L.map("karta", { zoomControl: false, preferCanvas: false });
  L.control.zoom({ zoomInTitle: "Zooma in", zoomOutTitle: "Zooma ut" }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" lang="en">Leaflet</a>');
  mountAccount(document.getElementById("konto"));
  const view = readView();
  map.setView(view ? view.center : HUDDINGE, view ? view.zoom : 12);
  let settings;
  let products;
  let collectionOfKind;
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
  const markers = products.filter((p) => p.markor).map((p) => markerBox(p) / 2);
  if (markers.length) symbolRadiusPx = Math.max(...markers);
  addBaseMap(map, settings, () =>
    notices.show("Bakgrundskartan kan inte nås just nu. Skötselansvaret visas ändå."),
  );
  highlights = new Highlights(map, collectionOfKind);
  layers = new Layers(map, products, collectionOfKind);
  layers.organisation = readOrganisation();
  try {
    const bounds = await layers.loadContext();
    // Not animated: a zoom animation started while the page is still loading can leave
    // Leaflet waiting for it forever, and every later setView is then ignored.
    if (!view) map.fitBounds(bounds, { animate: false });
  } catch (error) {
    notices.show(error.message);
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
  if (layers.organisation && !organisations.some((o) => o.slug === layers.organisation)) layers.organisation = "";
  select.value = layers.organisation;
  const filterBy = (slug) => {
    select.value = slug;
    layers.organisation = slug;
    updateUrl(map);
    layers.redrawTiles();
  };
  select.addEventListener("change", () => filterBy(select.value));
  toggle.addEventListener("click", () => {
    legend.hidden = !legend.hidden;
    toggle.setAttribute("aria-expanded", String(!legend.hidden));
    map.invalidateSize();
  });

  panel.addEventListener("click", (event) => {
    if (event.target.classList.contains("close")) closePanel(map);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) closePanel(map);
  });
  document.getElementById("minposition").addEventListener("click", () => {
    if (!navigator.geolocation) {
      notices.show("Den här enheten kan inte ange sin position.");
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const here = L.latLng(position.coords.latitude, position.coords.longitude);
        map.setView(here, Math.max(map.getZoom(), 18), { animate: false });
        // The position is as uncertain as the device says; point objects decide within that.
        resolve(map, here, { tolerance: Math.min(Math.round(position.coords.accuracy * 10) / 10, MAX_TOLERANCE_M) });
      },
      () => notices.show("Din position kunde inte hämtas."),
      { enableHighAccuracy: true, timeout: 10000 },
    );
  });
  map.on("click", (event) => resolve(map, event.latlng, { tolerance: clickTolerance(map, event.latlng) }));
  // Keyboard users pan with the arrow keys and ask about the centre of the map with Enter.
  map.getContainer().addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target === map.getContainer()) {
      const centre = map.getCenter();
      resolve(map, centre, { tolerance: clickTolerance(map, centre) });
    }
  });
  map.on("moveend", () => {
    updateUrl(map);
    layers.refresh().catch((error) => notices.show(error.message));
  });

  const input = document.getElementById("sok");
  setupSearch(input, document.getElementById("sokforslag"), document.getElementById("sokstatus"), (choice) => {
    if (choice.typ === "organisation") {
      filterBy(choice.slug);
      if (choice.bbox) {
        const [w, s, e, n] = choice.bbox;
        map.fitBounds([[s, w], [n, e]], { maxZoom: 18, animate: false });
      }
    } else if (choice.punkt) {
      showParcel(map, choice);
    }
  });

  await layers.refresh();
  if (view?.point) {
    const point = L.latLng(view.point[0], view.point[1]);
    await resolve(map, point, { tolerance: clickTolerance(map, point) });
  }
  document.body.dataset.redo = "ja";
}

start();

// Samordningsanalys for managers and procurement: how the huvudmän's maintenance interleaves
// (map), coordination zones, quantities and costs per organisation and product group, where
// the organisations are neighbours, sports facilities, and the what-if of one joint tender.
// Every section loads on its own, so a slow whole-municipality figure never blocks the page.
import "../app.css";
import "./analysis.css";
import { getJson } from "../api.js";
import { mountAccount } from "../account.js";
import { el } from "../inbox/dom.js";
import { getSession } from "../session.js";
import { showCosts, showQuantities } from "./figures.js";
import { AnalysisMap } from "./map.js";
import { legend, showMix } from "./mix.js";
import { showNeighbours } from "./neighbours.js";
import { loadSection, section } from "./section.js";
import { showSports } from "./sports.js";
import { whatIfForm } from "./whatif.js";
import { zonePanel, zoneTable } from "./zones.js";

const main = document.getElementById("innehall");
const DEFAULT_CELL_M = 500;

function signedOut() {
  const back = `/inloggning?nasta=${encodeURIComponent(location.pathname + location.search)}`;
  main.replaceChildren(
    el("h1", {}, "Samordningsanalys"),
    el(
      "div",
      { class: "signed-out" },
      el("p", {}, "Samordningsanalysen visar var huvudmännens skötsel varvas, mängder och kostnader. Du behöver logga in för att se den."),
      el("p", {}, el("a", { class: "primary-link", href: back }, "Logga in")),
    ),
  );
  main.dataset.klar = "utloggad";
}

function cellSize() {
  const asked = Number(new URLSearchParams(location.search).get("ruta_m"));
  return Number.isInteger(asked) && asked >= 50 && asked <= 5000 ? asked : DEFAULT_CELL_M;
}

function namesFrom(organisations, catalogue) {
  const organisationNames = new Map(organisations.map((o) => [o.slug, o.namn]));
  const products = new Map(catalogue.map((p) => [p.kod, p]));
  return {
    organisation: (slug) => organisationNames.get(slug) ?? slug,
    product: (kod) => products.get(kod)?.namn ?? kod,
    group: (kod) => products.get(kod)?.kategori ?? "Övrigt",
  };
}

function isCurrent(area) {
  return !area.avtal_till || new Date(`${area.avtal_till}T23:59:59`) >= new Date();
}

function divisionSwitch(cellM, onChange) {
  const option = (value, label, checked) => {
    const id = `indelning-${value}`;
    return el(
      "span",
      { class: "segment" },
      el("input", { type: "radio", name: "indelning", id, value, checked, onchange: () => onChange(value) }),
      el("label", { for: id }, label),
    );
  };
  return el(
    "fieldset",
    { class: "division-switch" },
    el("legend", {}, "Visa blandningen per"),
    option("ruta", `Ruta (${cellM} m)`, true),
    option("driftomrade", "Driftområde", false),
  );
}

async function start() {
  const session = await getSession();
  mountAccount(document.getElementById("konto"));
  let organisations;
  try {
    organisations = await getJson("/api/v1/organisationer");
  } catch (error) {
    if ([401, 403].includes(error.status) && !session.inloggad) {
      signedOut();
      return;
    }
    organisations = [];
  }
  const [catalogue, settings, areas] = await Promise.all([
    getJson("/api/v1/skotselprodukter").catch(() => []),
    getJson("/api/v1/karta/installningar").catch(() => null),
    getJson("/api/v1/driftomraden").catch(() => []),
  ]);
  const names = namesFrom(organisations, catalogue);
  const cellM = cellSize();

  const mapSection = section("karta", "Blandning och samordningszoner", "Kartan färgar varje ruta eller driftområde efter hur blandad skötseln är mellan huvudmännen. Zonernas nummer är deras rang i listan nedan.");
  const mapBox = el("div", { class: "analysis-map", id: "analyskarta", role: "region", "aria-label": "Karta över blandning och samordningszoner" });
  const topBox = el("div", { class: "top-box", id: "topplista" });
  const zoneBox = el("section", { class: "zone-panel", id: "zon", hidden: true, "aria-labelledby": "zon-rubrik" });
  const zones = section("zoner", "Samordningszoner", "Kluster av objekt inom 100 m av varandra där flera huvudmän eller lag arbetar, efter samlad mängd × antal lag (linjer och punkter räknas om till m²).");
  const quantities = section("mangder", "Mängder per huvudman och produktgrupp", "Ett diagram per enhet: m², meter och styck läggs aldrig ihop.");
  const costs = section("kostnader", "Kostnad per år per huvudman och produktgrupp", "Mängd gånger à-pris per år.");
  const neighbours = section("grannar", "Grannarbete mellan huvudmännen", "Var organisationernas skötsel möts: gemensam gräns och objekt nära varandra.");
  const sports = section("idrott", "Idrottsanläggningar", "Idrottsytornas mängd och kostnad per huvudman, och anläggningar där flera huvudmän arbetar (orange i kartan, streckade när de delas).");
  const whatIf = section("vad-hander-om", "Vad händer om: gemensam upphandling", "Välj ett område och huvudmän: modellen jämför dagens lag med ett gemensamt lag för samma objekt.");

  const head = el(
    "div",
    { class: "analysis-head" },
    el("h1", {}, "Samordningsanalys"),
    el("p", { class: "lead" }, "För förvaltare och upphandlare: var huvudmännens skötsel ligger blandad, vad den omfattar och vad en gemensam upphandling kan spara."),
    el(
      "p",
      { class: "downloads" },
      el("a", { class: "download-link", href: "/api/v1/samordning/rapport.xlsx", download: "" }, "Ladda ner rapport (XLSX)"),
      el("a", { class: "download-link", href: "/api/v1/samordning/rapport.pdf", download: "" }, "Ladda ner rapport (PDF)"),
    ),
    el(
      "nav",
      { class: "section-nav", "aria-label": "Avsnitt" },
      el(
        "ul",
        {},
        [
          [mapSection, "Karta"],
          [zones, "Zoner"],
          [quantities, "Mängder"],
          [costs, "Kostnader"],
          [neighbours, "Grannar"],
          [sports, "Idrott"],
          [whatIf, "Vad händer om"],
        ].map(([s, short]) => el("li", {}, el("a", { href: `#${s.node.id}`, title: s.node.querySelector("h2").textContent }, short))),
      ),
    ),
  );
  const division = divisionSwitch(cellM, (value) => loadSection(mapSection.node, topBox, () => showMix(analysisMap, topBox, value, cellM)));
  mapSection.body.replaceChildren(
    division,
    el("div", { class: "map-grid" }, mapBox, el("div", { class: "map-side" }, legend(), zoneBox, topBox)),
  );
  main.replaceChildren(head, mapSection.node, zones.node, quantities.node, costs.node, neighbours.node, sports.node, whatIf.node);
  main.dataset.klar = "ja";
  const analysisMap = new AnalysisMap(mapBox, settings);

  let zoneFeatures = [];
  const closeZone = () => {
    zoneBox.hidden = true;
    analysisMap.chooseZone(null);
    zones.node.querySelector("tbody")?.querySelectorAll("tr").forEach((row) => row.removeAttribute("aria-current"));
  };
  const chooseZone = (id) => {
    const feature = zoneFeatures.find((f) => f.id === id);
    if (!feature) return;
    zonePanel(zoneBox, feature, names, closeZone);
    zones.node.querySelectorAll("tr[data-zon]").forEach((row) => (row.dataset.zon === id ? row.setAttribute("aria-current", "true") : row.removeAttribute("aria-current")));
    mapSection.node.scrollIntoView({ block: "start" });
    analysisMap.chooseZone(id);
    zoneBox.querySelector("h3").focus({ preventScroll: true });
    zoneBox.dataset.zon = id;
  };

  loadSection(mapSection.node, topBox, () => showMix(analysisMap, topBox, "ruta", cellM));
  loadSection(zones.node, zones.body, async () => {
    const answer = await getJson("/api/v1/samordning/zoner?topp=20");
    zoneFeatures = answer.features;
    analysisMap.showZones(zoneFeatures, chooseZone);
    zones.body.replaceChildren(
      el("p", { class: "small muted" }, answer.antal_zoner > zoneFeatures.length ? `${answer.antal_zoner} zoner i kommunen vid ${answer.parametrar.avstand_m} m; de ${zoneFeatures.length} främsta visas.` : `${answer.antal_zoner} ${answer.antal_zoner === 1 ? "zon" : "zoner"} i kommunen vid ${answer.parametrar.avstand_m} m.`),
      zoneTable(zoneFeatures, names, chooseZone),
    );
  });
  const result = el("div", { class: "whatif-result", id: "vad-resultat", "aria-live": "polite" });
  const principals = organisations.filter((o) => o.typ !== "entreprenor");
  const form = whatIfForm({ areas: areas.filter(isCurrent), organisations: principals, analysisMap, result, names });
  whatIf.body.replaceChildren(form, result);
  whatIf.node.dataset.klar = "ja";
  loadSection(quantities.node, quantities.body, async () => {
    const answer = await showQuantities(quantities.body, names);
    form.limitOrganisations([...new Set(answer.rader.map((r) => r.organisation.slug))]);
  });
  loadSection(costs.node, costs.body, () => showCosts(costs.body, names));
  loadSection(neighbours.node, neighbours.body, () => showNeighbours(neighbours.body, names));
  loadSection(sports.node, sports.body, () => showSports(sports.body, analysisMap, names));
}

start();

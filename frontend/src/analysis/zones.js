// The coordination zones: a ranked table; choosing one fits it on the map and shows its
// quantities per organisation and product in the panel beside the map.
import { el } from "../inbox/dom.js";
import { number, quantity } from "./format.js";

export function zoneTable(features, names, onChoose) {
  if (!features.length) return el("p", { class: "muted" }, "Inga zoner där flera huvudmän eller lag arbetar.");
  return el(
    "div",
    { class: "table-scroll", tabindex: "0" },
    el(
      "table",
      { class: "zones figures" },
      el("caption", {}, features.length === 1 ? "Zonen, med poäng = samlad mängd × antal lag" : `De ${features.length} zonerna med högst poäng (samlad mängd × antal lag)`),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ["Rang", "Karta", "Huvudmän", "Lag", "Samlad mängd (m²)", "Poäng"].map((h) => el("th", { scope: "col" }, h)),
        ),
      ),
      el(
        "tbody",
        {},
        features.map((f) => {
          const p = f.properties;
          return el(
            "tr",
            { dataset: { zon: f.id } },
            el("th", { scope: "row" }, String(p.rang)),
            el("td", {}, el("button", { type: "button", class: "small-button", onclick: () => onChoose(f.id) }, `Visa zon ${p.rang}`)),
            el("td", {}, p.organisationer.map((slug) => names.organisation(slug)).join(", ")),
            el("td", {}, `${p.antal_lag}: ${p.lag.map((l) => l.namn).join(", ")}`),
            el("td", { class: "num" }, number(p.samlad_mangd_m2)),
            el("td", { class: "num" }, number(p.poang)),
          );
        }),
      ),
    ),
  );
}

export function zonePanel(panel, feature, names, onClose) {
  const p = feature.properties;
  const rows = [...p.mangder].sort(
    (a, b) => names.organisation(a.organisation).localeCompare(names.organisation(b.organisation), "sv") || a.produkt.localeCompare(b.produkt),
  );
  panel.replaceChildren(
    el("h3", { id: "zon-rubrik", tabindex: "-1" }, `Zon ${p.rang}`),
    el(
      "p",
      {},
      `${p.antal_objekt} objekt, ${p.antal_lag} lag, samlad mängd ${number(p.samlad_mangd_m2)} m², poäng ${number(p.poang)}.`,
    ),
    el("ul", { class: "crews" }, p.lag.map((l) => el("li", {}, `${l.namn}: ${l.antal_objekt} objekt`))),
    el(
      "div",
      { class: "table-scroll", tabindex: "0" },
      el(
        "table",
        { class: "figures zone-quantities", "aria-labelledby": "zon-rubrik" },
        el("thead", {}, el("tr", {}, ["Huvudman", "Produkt", "Objekt", "Mängd"].map((h) => el("th", { scope: "col" }, h)))),
        el(
          "tbody",
          {},
          rows.map((r) =>
            el(
              "tr",
              {},
              el("th", { scope: "row" }, names.organisation(r.organisation)),
              el("td", {}, `${names.product(r.produkt)}${r.kvalitetsniva ? ` (nivå ${r.kvalitetsniva})` : ""}`),
              el("td", { class: "num" }, String(r.antal_objekt)),
              el("td", { class: "num", dataset: { mangd: String(r.mangd) } }, quantity(r.mangd, r.enhet)),
            ),
          ),
        ),
      ),
    ),
    el("button", { type: "button", class: "small-button", onclick: onClose }, "Stäng zonen"),
  );
  panel.hidden = false;
}

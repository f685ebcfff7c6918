// The mix index (1 − Σ share²) as classes with words and numbers, each cell's popup, the top list.
import { getJson } from "../api.js";
import { el } from "../inbox/dom.js";
import { number, percent } from "./format.js";

// Sequential, light to dark (ColorBrewer PuBu): the more mixed, the darker.
export const MIX_CLASSES = [
  { from: 0, to: 0.1, colour: "#f1eef6", words: "En huvudman (nästan)" },
  { from: 0.1, to: 0.3, colour: "#bdc9e1", words: "Lite blandat" },
  { from: 0.3, to: 0.5, colour: "#74a9cf", words: "Blandat" },
  { from: 0.5, to: 0.7, colour: "#2b8cbe", words: "Mycket blandat" },
  { from: 0.7, to: 1.0001, colour: "#045a8d", words: "Starkt blandat" },
];

export function mixClass(value) {
  const index = MIX_CLASSES.findIndex((c) => value < c.to);
  const found = index < 0 ? MIX_CLASSES.length - 1 : index;
  return { index: found, colour: MIX_CLASSES[found].colour };
}

export function legend() {
  return el(
    "div",
    { class: "mix-legend" },
    el("h3", { id: "teckenforklaring" }, "Blandningsindex"),
    el(
      "ul",
      { "aria-labelledby": "teckenforklaring" },
      MIX_CLASSES.map((c, i) =>
        el(
          "li",
          { dataset: { klass: String(i) } },
          el("span", { class: "swatch", style: { background: c.colour }, "aria-hidden": "true" }),
          `${c.words}: ${number(c.from, 1)}–${i === MIX_CLASSES.length - 1 ? "1" : number(c.to, 1)}`,
        ),
      ),
    ),
    el(
      "p",
      { class: "small muted" },
      "1 − summan av andelarna i kvadrat, efter ytobjektens m²: 0 när en huvudman sköter allt, 0,5 när två delar lika, 0,67 när tre gör det.",
    ),
  );
}

export function popup(properties) {
  return el(
    "div",
    { class: "mix-popup" },
    el("strong", {}, properties.namn),
    el("p", {}, `Blandningsindex ${number(properties.blandningsindex, 2)} · ${properties.antal_organisationer} huvudmän · ${number(properties.yta_m2)} m²`),
    el(
      "ul",
      {},
      properties.organisationer.map((o) => el("li", {}, `${o.namn}: ${percent(o.andel)} (${number(o.yta_m2)} m²)`)),
    ),
  );
}

function topList(places, onChoose) {
  if (!places.length) return el("p", { class: "muted" }, "Inga platser med blandad skötsel över tröskeln.");
  return el(
    "ol",
    { class: "top-places" },
    places.map((place) =>
      el(
        "li",
        {},
        el(
          "button",
          { type: "button", class: "link-button", dataset: { id: place.id }, onclick: () => onChoose(place.id) },
          el("span", { class: "place-name" }, place.namn),
          el(
            "span",
            { class: "place-facts" },
            `Index ${number(place.blandningsindex, 2)} · ${place.organisationer.map((o) => `${o.namn} ${percent(o.andel)}`).join(", ")}`,
          ),
        ),
      ),
    ),
  );
}

// Loads the mix at the division (ruta or driftomrade) onto the map and the top list into box.
export async function showMix(analysisMap, box, division, cellM) {
  const query = division === "ruta" ? `indelning=ruta&ruta_m=${cellM}&topp=10` : "indelning=driftomrade&topp=10";
  const answer = await getJson(`/api/v1/samordning/blandning?${query}`);
  analysisMap.showMix(answer.features, mixClass, popup);
  const count = answer.features.length;
  const what = division === "ruta" ? `${count === 1 ? "ruta" : "rutor"} om ${number(cellM)} m` : count === 1 ? "driftområde" : "driftområden";
  box.replaceChildren(
    el("h3", {}, "Mest blandade platser"),
    el("p", { class: "small muted" }, `${count} ${what} med ytobjekt. Välj en plats för att visa den i kartan.`),
    topList(answer.topp, (id) => analysisMap.goToMix(id)),
  );
  return answer;
}

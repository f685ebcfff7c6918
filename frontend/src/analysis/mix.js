// The mix index (1 − Σ share²) as classes with words and numbers, each cell's popup, the top list.
import { getJson } from "../api.js";
import { el } from "../inbox/dom.js";
import { number, percent } from "./format.js";

// The classes come with the answer (the service's one symbology of the mix index, which the PDF
// report draws too): [{fran, till, farg, namn}], the last including 1.
let classes = [];

export function mixClass(value) {
  const index = classes.findIndex((c) => value < c.till);
  const found = index < 0 ? classes.length - 1 : index;
  return { index: found, colour: classes[found].farg };
}

function legendItems(list) {
  list.replaceChildren(
    ...classes.map((c, i) =>
      el(
        "li",
        { dataset: { klass: String(i) } },
        el("span", { class: "swatch", style: { background: c.farg }, "aria-hidden": "true" }),
        `${c.namn}: ${number(c.fran, 1)}–${i === classes.length - 1 ? "1" : number(c.till, 1)}`,
      ),
    ),
  );
}

export function legend() {
  return el(
    "div",
    { class: "mix-legend" },
    el("h3", { id: "teckenforklaring" }, "Blandningsindex"),
    el("ul", { "aria-labelledby": "teckenforklaring", id: "mix-klasser" }),
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
  classes = answer.klasser;
  const list = document.getElementById("mix-klasser");
  if (list) legendItems(list);
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

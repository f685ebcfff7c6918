// "Vad händer om: gemensam upphandling": the area (driftområden or the map's view), the
// huvudmän and the model's parameters; the answer as today's crews against one combined crew.
import { send } from "../api.js";
import { el } from "../inbox/dom.js";
import { kronor, number, percent, quantity } from "./format.js";
import { exampleNotice, fill } from "./section.js";

const URL = "/api/v1/samordning/gemensam-upphandling";
const PARAMETERS = [
  { name: "kr_per_besok", label: "Kronor per besök", hint: "uppställning, lossning, rundvandring", value: 400, step: "1", min: 0 },
  { name: "kr_per_km", label: "Kronor per km", hint: "körd sträcka", value: 30, step: "0.5", min: 0 },
  { name: "omvagsfaktor", label: "Omvägsfaktor", hint: "vägavstånd / fågelvägen", value: 1.3, step: "0.05", min: 1 },
  { name: "platsavstand_m", label: "Platsavstånd (m)", hint: "ett lags objekt inom avståndet är en plats", value: 50, step: "1", min: 1 },
];

function checkbox(name, value, label, checked = true) {
  const id = `${name}-${value}`;
  return el(
    "div",
    { class: "check" },
    el("input", { type: "checkbox", id, name, value, checked }),
    el("label", { for: id }, label),
  );
}

function radio(name, value, label, checked) {
  const id = `${name}-${value}`;
  return el("div", { class: "check" }, el("input", { type: "radio", id, name, value, checked }), el("label", { for: id }, label));
}

export function whatIfForm({ areas, organisations, analysisMap, result, names }) {
  const message = el("p", { class: "form-message", role: "status" });
  const areaList = el(
    "fieldset",
    { class: "choices", id: "vad-driftomraden" },
    el("legend", {}, "Driftområden"),
    areas.length ? areas.map((a) => checkbox("driftomrade", a.id, `${a.namn} (${a.utforare_namn})`, false)) : el("p", { class: "muted" }, "Inga gällande driftområden."),
  );
  const chosen = { organisations };
  const principals = el("fieldset", { class: "choices", id: "vad-huvudman" }, el("legend", {}, "Huvudmän"));
  const listPrincipals = () =>
    principals.replaceChildren(principals.querySelector("legend"), ...chosen.organisations.map((o) => checkbox("organisation", o.slug, o.namn, true)));
  listPrincipals();
  const form = el(
    "form",
    { class: "whatif-form", id: "vad-hander-om-form", novalidate: true },
    el(
      "fieldset",
      { class: "choices" },
      el("legend", {}, "Område"),
      radio("omrade", "driftomraden", "Valda driftområden", true),
      radio("omrade", "vy", "Kartans vy (rektangeln som syns nu)", false),
    ),
    areaList,
    principals,
    el(
      "fieldset",
      { class: "parameters" },
      el("legend", {}, "Antaganden"),
      PARAMETERS.map((p) =>
        el(
          "div",
          { class: "field" },
          el("label", { for: `param-${p.name}` }, p.label, el("span", { class: "hint" }, ` (${p.hint})`)),
          el("input", { type: "number", id: `param-${p.name}`, name: p.name, value: p.value, step: p.step, min: p.min, inputmode: "decimal", required: true }),
        ),
      ),
    ),
    el("button", { type: "submit", class: "primary" }, "Räkna"),
    message,
  );
  // Once the quantities are known: only the huvudmän that have objects.
  form.limitOrganisations = (slugs) => {
    chosen.organisations = organisations.filter((o) => slugs.includes(o.slug));
    listPrincipals();
  };
  form.querySelectorAll('input[name="omrade"]').forEach((input) =>
    input.addEventListener("change", () => {
      areaList.disabled = form.elements.omrade.value !== "driftomraden";
    }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = requestBody(form, chosen.organisations, analysisMap);
    if (typeof body === "string") {
      message.textContent = body;
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    message.textContent = "Beräknar …";
    result.removeAttribute("data-klar");
    try {
      const answer = await send("POST", URL, body);
      showResult(result, answer, names);
      message.textContent = `Klart: besparing ${kronor(answer.besparing_kr_per_ar)} per år.`;
      result.dataset.klar = "ja";
    } catch (error) {
      message.textContent = error.message;
      result.replaceChildren();
      result.dataset.klar = "fel";
    }
    button.disabled = false;
  });
  return form;
}

function requestBody(form, organisations, analysisMap) {
  const parametrar = {};
  for (const p of PARAMETERS) {
    const value = Number(form.elements[p.name].value);
    if (!Number.isFinite(value) || form.elements[p.name].value === "" || value < p.min) return `Ange ${p.label.toLowerCase()} som ett tal (minst ${p.min}).`;
    parametrar[p.name] = value;
  }
  const chosen = [...form.querySelectorAll('input[name="organisation"]:checked')].map((i) => i.value);
  if (!chosen.length) return "Välj minst en huvudman.";
  const body = {
    driftomraden: null,
    geometri: null,
    organisationer: chosen.length === organisations.length ? null : chosen,
    parametrar,
  };
  if (form.elements.omrade.value === "vy") {
    body.geometri = analysisMap.viewPolygon();
  } else {
    body.driftomraden = [...form.querySelectorAll('input[name="driftomrade"]:checked')].map((i) => Number(i.value));
    if (!body.driftomraden.length) return "Välj minst ett driftområde, eller kartans vy.";
  }
  return body;
}

function money(value, field) {
  return el("td", { class: "num", dataset: { falt: field, varde: String(value) } }, kronor(value));
}

function crewRow(crew, kind) {
  return el(
    "tr",
    { class: kind, dataset: { lag: crew.organisation ?? "samordnat" } },
    el("th", { scope: "row" }, crew.namn),
    el("td", { class: "num" }, number(crew.platser)),
    el("td", { class: "num" }, number(crew.besok_per_ar)),
    el("td", { class: "num" }, number(crew.resa_km_per_ar, 1)),
    money(crew.kr_besok, "kr_besok"),
    money(crew.kr_resa, "kr_resa"),
    money(crew.kr, "kr"),
  );
}

function headline(label, value, field, extra = "") {
  return el(
    "div",
    { class: "headline" },
    el("span", { class: "headline-label" }, label),
    el("span", { class: "headline-value", dataset: { falt: field, varde: String(value) } }, kronor(value)),
    extra ? el("span", { class: "headline-extra" }, extra) : null,
  );
}

function showResult(box, answer, names) {
  const p = answer.parametrar;
  const area = answer.omrade;
  const areaName = area.driftomraden?.length ? area.driftomraden.map((a) => a.namn).join(", ") : "Kartans vy";
  fill(
    box,
    el("h3", { id: "vad-resultat-rubrik", tabindex: "-1" }, `Resultat: ${areaName}`),
    answer.exempeldata ? exampleNotice("Beräkningen bygger delvis på exempelvärden:", answer.exempeluppgifter) : null,
    answer.inga_objekt ? el("p", { class: "section-error" }, "Området har inga gällande objekt för de valda huvudmännen: alla belopp är 0.") : null,
    answer.anmarkningar?.length ? el("ul", { class: "notes" }, answer.anmarkningar.map((note) => el("li", {}, note))) : null,
    el(
      "div",
      { class: "headlines" },
      headline("I dag, besök och resor", answer.idag.kr_per_ar, "idag"),
      headline("Med ett gemensamt lag", answer.samordnat.kr_per_ar, "samordnat"),
      el(
        "div",
        { class: "headline saving" },
        el("span", { class: "headline-label" }, "Besparing per år"),
        el("span", { class: "headline-value", dataset: { falt: "besparing", varde: String(answer.besparing_kr_per_ar) } }, kronor(answer.besparing_kr_per_ar)),
        el("span", { class: "headline-extra", dataset: { falt: "andel", varde: String(answer.besparing_andel) } }, percent(answer.besparing_andel, 1)),
      ),
    ),
    el(
      "div",
      { class: "table-scroll", tabindex: "0" },
      el(
        "table",
        { class: "figures crews-table" },
        el("caption", {}, "Platser, besök och resor per lag och år"),
        el(
          "thead",
          {},
          el("tr", {}, ["Lag", "Platser", "Besök per år", "Resa (km/år)", "Besök (kr)", "Resa (kr)", "Summa (kr)"].map((h) => el("th", { scope: "col" }, h))),
        ),
        el("tbody", {}, answer.idag.lag.map((crew) => crewRow(crew, "today"))),
        el(
          "tbody",
          { class: "combined" },
          answer.samordnat.lag.map((crew) => crewRow(crew, "combined")),
        ),
      ),
    ),
    el(
      "p",
      {},
      `Skötseln själv till à-prislistan: ${kronor(answer.skotsel_kr_per_ar)} per år, lika i båda fallen och inte del av besparingen.`,
      answer.saknar_pris?.length ? ` ${answer.saknar_pris.length} mängdrader saknar pris.` : "",
    ),
    el("p", {}, `Område: ${areaName}, ${number((area.yta_m2 || 0) / 10000, 1)} ha. Huvudmän: ${answer.organisationer.map((o) => o.namn).join(", ") || "inga"}.`),
    el("h4", {}, "Modellen"),
    el("p", { class: "model-text" }, answer.modell),
    el("h4", {}, "Antaganden som användes"),
    el(
      "ul",
      { class: "used-parameters" },
      el("li", {}, `${kronor(p.kr_per_besok)} per besök`),
      el("li", {}, `${kronor(p.kr_per_km)} per km`),
      el("li", {}, `Omvägsfaktor ${number(p.omvagsfaktor, 2)}`),
      el("li", {}, `Platsavstånd ${number(p.platsavstand_m)} m`),
    ),
    p.besok_per_ar?.length
      ? el(
          "details",
          {},
          el("summary", {}, "Besök per år och produkt"),
          el(
            "div",
            { class: "table-scroll", tabindex: "0" },
            el(
              "table",
              { class: "figures" },
              el("thead", {}, el("tr", {}, ["Produkt", "Besök per år", "Källa"].map((h) => el("th", { scope: "col" }, h)))),
              el(
                "tbody",
                {},
                p.besok_per_ar.map((b) =>
                  el(
                    "tr",
                    {},
                    el("th", { scope: "row" }, `${b.namn} (${b.produkt})`),
                    el("td", { class: "num" }, number(b.besok_per_ar, 1)),
                    el("td", {}, `${b.kalla}${b.exempeldata ? " · exempeldata" : ""}${b.andrad_i_fragan ? " · ändrad i frågan" : ""}`),
                  ),
                ),
              ),
            ),
          ),
        )
      : null,
    answer.mangder?.length
      ? el(
          "details",
          {},
          el("summary", {}, "Mängder i området"),
          el(
            "ul",
            {},
            answer.mangder.map((m) => el("li", {}, `${names.organisation(m.organisation)}: ${names.product(m.produkt)}${m.kvalitetsniva ? ` (nivå ${m.kvalitetsniva})` : ""}, ${quantity(m.mangd, m.enhet)}`)),
          ),
        )
      : null,
  );
  box.querySelector("h3").focus();
}

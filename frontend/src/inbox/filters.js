// The inbox's filters: status, category, operations area, dates, order (kept in the address).
import { el } from "./dom.js";
import { OPEN, STATUSES, STATUS_TEXT } from "./statuses.js";

const FIELDS = ["status", "kategori", "driftomrade", "fran", "till", "sortering", "organisation"];
export const DEFAULTS = { status: OPEN.join(","), sortering: "aldst" };

export function readFilters() {
  const params = new URLSearchParams(location.search);
  const state = { ...DEFAULTS };
  for (const name of FIELDS) if (params.has(name)) state[name] = params.get(name);
  return state;
}

export function writeFilters(state) {
  const params = new URLSearchParams();
  for (const name of FIELDS) {
    if (state[name] && state[name] !== DEFAULTS[name]) params.set(name, state[name]);
    else if (!state[name] && DEFAULTS[name]) params.set(name, "");
  }
  const query = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
}

// Who is asked about: the signed-in organisation's (mina), or one chosen by an unbound account.
function scopeParams(state) {
  const params = new URLSearchParams();
  if (state.organisation) params.set("organisation", state.organisation);
  else params.set("mina", "true");
  if (state.kategori) params.set("kategori", state.kategori);
  if (state.driftomrade) params.set("driftomrade", state.driftomrade);
  return params;
}

export function listQuery(state) {
  const params = scopeParams(state);
  if (state.status) params.set("status", state.status);
  if (state.fran) params.set("fran", state.fran);
  if (state.till) params.set("till", state.till);
  params.set("sortering", state.sortering || "aldst");
  params.set("limit", "100");
  return params.toString();
}

export function statisticsQuery(state) {
  return scopeParams(state).toString();
}

function field(id, label, control) {
  return el("div", { class: "field" }, el("label", { for: id }, label), control);
}

function select(id, options, value) {
  const control = el("select", { id, name: id });
  for (const [optionValue, text] of options) control.append(new Option(text, optionValue));
  control.value = value ?? "";
  if (control.value !== (value ?? "")) control.value = "";
  return control;
}

// The form; onChange gets the new state whenever a field changes.
export function buildFilters(form, { state, categories, areas, organisations }, onChange) {
  const statusOptions = [
    [OPEN.join(","), "Öppna ärenden"],
    ["", "Alla"],
    ...STATUSES.map((s) => [s, STATUS_TEXT[s]]),
  ];
  const controls = [
    field("f-status", "Status", select("status", statusOptions, state.status)),
    field("f-kategori", "Kategori", select("kategori", [["", "Alla kategorier"], ...categories.map((c) => [c.kod, c.namn])], state.kategori)),
    field("f-driftomrade", "Driftområde", select("driftomrade", [["", "Alla områden"], ...areas.map((a) => [String(a.id), a.namn])], state.driftomrade)),
    field("f-fran", "Inkommen från", el("input", { type: "date", id: "fran", name: "fran", value: state.fran || "" })),
    field("f-till", "Inkommen till", el("input", { type: "date", id: "till", name: "till", value: state.till || "" })),
    field("f-sortering", "Ordning", select("sortering", [["aldst", "Äldst först"], ["nyast", "Nyast först"]], state.sortering)),
  ];
  if (organisations) {
    controls.unshift(
      field("f-organisation", "Mottagare", select("organisation", [["", "Alla organisationer"], ...organisations.map((o) => [o.slug, o.namn])], state.organisation)),
    );
  }
  // The label's for names the control's id; ids of the controls are their names.
  for (const wrapper of controls) wrapper.querySelector("label").htmlFor = wrapper.querySelector("select, input").id;
  form.replaceChildren(...controls);
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("change", () => {
    const data = new FormData(form);
    const next = { ...state };
    for (const name of FIELDS) if (data.has(name)) next[name] = data.get(name);
    Object.assign(state, next);
    onChange(state);
  });
}

// Set one field from outside (a status count chosen) and tell the form.
export function setField(form, name, value) {
  const control = form.elements.namedItem(name);
  if (control) control.value = value;
}

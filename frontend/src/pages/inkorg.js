// The inbox: the reports the signed-in organisation receives (a contractor: those in its
// operations areas), as a list and on a map, with counts, handling times, and each report's
// handling (status, forward, duplicate). Opening a report is its number in the address.
import "../app.css";
import "../inbox/inbox.css";
import { getJson } from "../api.js";
import { mountAccount } from "../account.js";
import { renderDetail } from "../inbox/detail.js";
import { el, localHref } from "../inbox/dom.js";
import { buildFilters, listQuery, readFilters, setField, statisticsQuery, writeFilters } from "../inbox/filters.js";
import { appendToList, markOpened, renderList } from "../inbox/list.js";
import { InboxMap } from "../inbox/map.js";
import { renderCounts, renderTimes } from "../inbox/stats.js";
import { getSession } from "../session.js";

const NUMBER = /^#(F-\d{4}-\d{6,})$/;
const WIDE = window.matchMedia("(min-width: 900px)");
const READ_ONLY_ROLES = ["lasare"];

const main = document.getElementById("innehall");
const state = readFilters();
let session;
let organisations = [];
let inboxMap = null;
let nextPage = null;
let shown = [];
let opened = null;
const parts = {};

function signedOut() {
  const back = `/inloggning?nasta=${encodeURIComponent(location.pathname + location.search)}`;
  main.replaceChildren(
    el("h1", {}, "Inkorg"),
    el(
      "div",
      { class: "signed-out" },
      el("p", {}, "Inkorgen visar felanmälningarna till din organisation. Du behöver logga in för att se och hantera dem."),
      el("p", {}, el("a", { class: "primary-link", href: back }, "Logga in")),
      el("p", { class: "muted" }, "Vill du göra en felanmälan? ", el("a", { href: "/" }, "Klicka på platsen i kartan"), "."),
    ),
  );
  main.dataset.klar = "utloggad";
}

function scopeText() {
  const organisation = session.organisation;
  if (!organisation) return "Felanmälningar till alla organisationer.";
  if (session.roll === "entreprenor") return `Felanmälningar i driftområden som ${organisation.namn} sköter.`;
  return `Felanmälningar till ${organisation.namn}.`;
}

function skeleton() {
  parts.counts = el("ul", { class: "status-counts" });
  parts.filters = el("form", { class: "filters", role: "search", "aria-label": "Filtrera felanmälningarna" });
  parts.filterBox = el("details", { class: "filter-box", open: WIDE.matches }, el("summary", {}, "Filter och ordning"), parts.filters);
  parts.listCount = el("p", { class: "list-count", role: "status" });
  parts.list = el("ol", { class: "report-list", id: "lista" });
  parts.more = el("button", { type: "button", class: "more", hidden: true, onclick: loadMore }, "Visa fler");
  parts.listButton = el("button", { type: "button", "aria-pressed": "true", onclick: () => switchView("lista") }, "Lista");
  parts.mapButton = el("button", { type: "button", "aria-pressed": "false", onclick: () => switchView("karta") }, "Karta");
  parts.map = el("div", { class: "inbox-map", id: "inkorgskarta", role: "region", "aria-label": "Karta över felanmälningarna" });
  parts.times = el("figure", { class: "times", id: "tider" });
  parts.detail = el("section", { class: "inbox-detail", id: "arende", hidden: true, "aria-labelledby": "arende-rubrik" });
  // One live region that stays: what a change did is read out even though the report is redrawn.
  parts.live = el("p", { class: "visually-hidden", role: "status" });
  const readOnly = READ_ONLY_ROLES.includes(session.roll)
    ? el("p", { class: "muted" }, "Din roll kan se felanmälningarna men inte ändra dem.")
    : null;
  main.replaceChildren(
    el("div", { class: "inbox-head" }, el("h1", {}, "Inkorg"), el("p", { class: "scope" }, scopeText()), readOnly, parts.live),
    el(
      "div",
      { class: "inbox-body", dataset: { vy: "lista" } },
      el(
        "div",
        { class: "inbox-side" },
        el("section", { class: "counts", "aria-labelledby": "lage-rubrik" }, el("h2", { id: "lage-rubrik" }, "Antal per status"), parts.counts),
        parts.filterBox,
        el("div", { class: "view-switch", role: "group", "aria-label": "Visa som" }, parts.listButton, parts.mapButton),
        el("section", { class: "inbox-list", "aria-labelledby": "lista-rubrik" }, el("h2", { id: "lista-rubrik" }, "Felanmälningar"), parts.listCount, parts.list, parts.more),
      ),
      el("div", { class: "inbox-main" }, parts.map, el("section", { class: "inbox-times", "aria-label": "Åtgärdstider", tabindex: "0" }, parts.times), parts.detail),
    ),
  );
  parts.body = main.querySelector(".inbox-body");
}

function switchView(view) {
  parts.body.dataset.vy = view;
  parts.listButton.setAttribute("aria-pressed", String(view === "lista"));
  parts.mapButton.setAttribute("aria-pressed", String(view === "karta"));
  inboxMap?.resize();
  if (view === "karta") inboxMap?.fit();
}

function countText(count, more) {
  if (!count) return "Inga felanmälningar matchar filtret.";
  const noun = count === 1 ? "felanmälan" : "felanmälningar";
  return more ? `Visar de ${count} första ${noun}.` : `${count} ${noun}.`;
}

async function reload() {
  main.removeAttribute("data-klar");
  writeFilters(state);
  try {
    const [page, statistics] = await Promise.all([
      getJson(`/api/v1/felanmalan?${listQuery(state)}`),
      getJson(`/api/v1/felanmalan/statistik?${statisticsQuery(state)}`),
    ]);
    shown = page.felanmalningar;
    nextPage = page.lankar.nasta ? localHref(page.lankar.nasta) : null;
    renderList(parts.list, shown, session.organisation?.slug);
    parts.listCount.textContent = countText(shown.length, Boolean(nextPage));
    parts.more.hidden = !nextPage;
    const chosen = state.status && !state.status.includes(",") ? state.status : null;
    renderCounts(parts.counts, statistics, chosen, chooseStatus);
    renderTimes(parts.times, statistics);
    inboxMap.chooseArea(state.driftomrade || null);
    inboxMap.show(shown);
    if (opened) {
      markOpened(parts.list, opened);
      inboxMap.highlight(opened);
    }
  } catch (error) {
    parts.list.replaceChildren();
    parts.listCount.textContent = `Felanmälningarna kunde inte hämtas: ${error.message}`;
  }
  main.dataset.klar = String(Date.now());
}

async function loadMore() {
  if (!nextPage) return;
  parts.more.disabled = true;
  try {
    const page = await getJson(nextPage);
    appendToList(parts.list, page.felanmalningar, session.organisation?.slug);
    for (const report of page.felanmalningar) inboxMap.add(report);
    shown = shown.concat(page.felanmalningar);
    nextPage = page.lankar.nasta ? localHref(page.lankar.nasta) : null;
    parts.listCount.textContent = countText(shown.length, Boolean(nextPage));
    parts.more.hidden = !nextPage;
  } catch (error) {
    parts.listCount.textContent = error.message;
  }
  parts.more.disabled = false;
}

function chooseStatus(status) {
  state.status = status || "ny,mottagen,pagar";
  setField(parts.filters, "status", state.status);
  reload();
}

function open(nummer) {
  if (location.hash !== `#${nummer}`) location.hash = nummer;
  else showOpened();
}

function close() {
  const was = opened;
  history.pushState(null, "", location.pathname + location.search);
  showOpened();
  const link = parts.list.querySelector(`li[data-nummer="${was}"] a`);
  (link || parts.list.closest("section").querySelector("h2")).focus?.();
}

function changedMessage(updated, change) {
  if (change.status === "ej-vart-ansvar" && change.till) {
    return `Skickad vidare till ${updated.mottagare.namn}. Den har lämnat er inkorg.`;
  }
  if (change.status === "dubblett") return `Markerad som dubblett av ${updated.dubblett_av}.`;
  return `Status ändrad till ${updated.status_text.toLowerCase()}.`;
}

function renderOpened(report, message = "") {
  const heading = renderDetail(parts.detail, report, {
    session,
    organisations,
    message,
    onClose: close,
    onChanged: (updated, change) => {
      const said = changedMessage(updated, change);
      renderOpened(updated, said);
      parts.live.textContent = said;
      reload();
    },
  });
  parts.detail.dataset.klar = String(Date.now());
  heading.focus();
}

async function showOpened() {
  const match = NUMBER.exec(location.hash);
  opened = match ? match[1] : null;
  parts.body.classList.toggle("has-detail", Boolean(opened));
  parts.detail.hidden = !opened;
  markOpened(parts.list, opened);
  inboxMap?.highlight(opened);
  if (!opened) {
    parts.detail.replaceChildren();
    inboxMap?.resize();
    return;
  }
  parts.detail.removeAttribute("data-klar");
  parts.detail.replaceChildren(el("p", { class: "loading" }, `Hämtar ${opened} …`));
  try {
    renderOpened(await getJson(`/api/v1/felanmalan/${encodeURIComponent(opened)}`));
  } catch (error) {
    parts.detail.replaceChildren(
      el("button", { type: "button", class: "back", onclick: close }, "← Tillbaka till listan"),
      el("h2", { id: "arende-rubrik", tabindex: "-1" }, opened),
      el("p", { role: "alert" }, error.status === 404 ? `Felanmälan ${opened} finns inte eller är inte er.` : error.message),
    );
    parts.detail.dataset.klar = String(Date.now());
    parts.detail.querySelector("h2").focus();
  }
}

async function start() {
  session = await getSession();
  mountAccount(document.getElementById("konto"));
  if (!session.inloggad) {
    signedOut();
    return;
  }
  skeleton();
  const [settings, categories, areas, everyone] = await Promise.all([
    getJson("/api/v1/karta/installningar").catch(() => null),
    getJson("/api/v1/felkategorier").catch(() => []),
    getJson("/api/v1/driftomraden").catch(() => []),
    getJson("/api/v1/organisationer").catch(() => []),
  ]);
  organisations = everyone;
  const own = session.organisation?.slug;
  const ownAreas = own ? areas.filter((a) => a.bestallare === own || a.utforare === own) : areas;
  buildFilters(parts.filters, { state, categories, areas: ownAreas, organisations: own ? null : organisations }, reload);
  inboxMap = new InboxMap(parts.map, settings, open);
  inboxMap.drawContext(ownAreas.map((a) => String(a.id)));
  window.addEventListener("hashchange", showOpened);
  WIDE.addEventListener("change", () => inboxMap.resize());
  await reload();
  await showOpened();
}

start();

// One report opened: its facts, photos, history with notes, the reporter's contact, and the
// handler's actions (next status, forward to another organisation, mark as a duplicate).
import { send } from "../api.js";
import { el } from "./dom.js";
import { age, dateTime } from "./format.js";
import { STATUS_TEXT, isOpen, nextStatus, statusBadge } from "./statuses.js";

const HANDLING_ROLES = ["handlaggare", "gis", "admin", "entreprenor"];
// Typed by hand: small letters and spaces around it are fine (the number is cleaned before sending).
const NUMBER_PATTERN = "\\s*[Ff]-[0-9]{4}-[0-9]{6,}\\s*";

export function mayHandle(session, report) {
  if (!HANDLING_ROLES.includes(session.roll)) return false;
  const unboundGis = session.roll === "gis" && !session.organisation;
  return unboundGis || report.detaljer !== null;
}

function fact(term, ...value) {
  return [el("dt", {}, term), el("dd", {}, ...value)];
}

function mapLink(report) {
  const { lat, lon } = report.punkt;
  return el("a", { href: `/#19/${lat.toFixed(6)}/${lon.toFixed(6)}/${lat.toFixed(6)}/${lon.toFixed(6)}` }, "Visa platsen på kartan");
}

function facts(report) {
  const details = report.detaljer;
  const items = [
    ...fact("Inkom", el("time", { datetime: report.skapad }, dateTime(report.skapad)), ` (för ${age(report.skapad)} sedan)`),
    ...fact("Mottagare", report.mottagare.namn),
  ];
  if (details?.huvudman && details.huvudman.slug !== report.mottagare.slug) items.push(...fact("Huvudman", details.huvudman.namn));
  if (details?.utforare) items.push(...fact("Utförare", details.utforare.namn));
  if (details?.driftomrade) items.push(...fact("Driftområde", details.driftomrade.namn));
  items.push(...fact("Plats", mapLink(report)));
  if (report.dubblett_av) items.push(...fact("Dubblett av", el("a", { href: `#${report.dubblett_av}` }, report.dubblett_av)));
  if (details?.protokoll) {
    items.push(...fact("Trygghetsvandring", el("a", { href: `/trygghetsvandring/${encodeURIComponent(details.protokoll)}` }, details.protokoll)));
  }
  if (report.stangd) items.push(...fact("Avslutad", el("time", { datetime: report.stangd }, dateTime(report.stangd))));
  items.push(...fact("Offentlig sida", el("a", { href: `/felanmalan/${encodeURIComponent(report.nummer)}` }, "Så ser allmänheten ärendet")));
  return el("dl", { class: "facts" }, items);
}

function photos(report) {
  const list = report.detaljer.foton;
  if (!list.length) return null;
  return el(
    "section",
    { class: "detail-block", "aria-labelledby": "foton-rubrik" },
    el("h3", { id: "foton-rubrik" }, "Foton"),
    el(
      "ul",
      { class: "photos" },
      list.map((photo) => {
        const href = `/api/v1/felanmalan/${encodeURIComponent(report.nummer)}/foto/${photo.nummer}`;
        return el(
          "li",
          {},
          el(
            "a",
            { href, target: "_blank", rel: "noopener" },
            el("img", { src: href, alt: `Foto ${photo.nummer} av ${list.length} till ${report.nummer} (öppnas i ny flik)`, width: photo.bredd, height: photo.hojd, loading: "lazy" }),
          ),
        );
      }),
    ),
  );
}

function contact(report) {
  const details = report.detaljer;
  const block = el("section", { class: "detail-block", "aria-labelledby": "kontakt-rubrik" }, el("h3", { id: "kontakt-rubrik" }, "Anmälarens kontaktuppgifter"));
  if (details.gallrad) {
    block.append(el("p", { class: "muted" }, `Kontaktuppgifter och foton togs bort ${dateTime(details.gallrad)}, en tid efter att ärendet avslutades.`));
  } else if (!details.kontakt) {
    block.append(el("p", { class: "muted" }, details.anmald_av ? `Anmäld av ${details.anmald_av}, utan kontaktuppgifter.` : "Anmälaren lämnade inga kontaktuppgifter."));
  } else {
    const { namn, epost, telefon } = details.kontakt;
    block.append(
      el(
        "ul",
        { class: "contact" },
        namn ? el("li", {}, namn) : null,
        epost ? el("li", {}, el("a", { href: `mailto:${epost}?subject=${encodeURIComponent(`Felanmälan ${report.nummer}`)}` }, epost)) : null,
        telefon ? el("li", {}, el("a", { href: `tel:${telefon.replace(/[^\d+]/g, "")}` }, telefon)) : null,
      ),
      el("p", { class: "muted small" }, "Visas bara för er som hanterar ärendet, aldrig på den offentliga sidan."),
    );
  }
  return block;
}

function history(report) {
  const events = report.detaljer?.handelser || [];
  return el(
    "section",
    { class: "detail-block", "aria-labelledby": "historik-rubrik" },
    el("h3", { id: "historik-rubrik" }, "Historik"),
    el(
      "ol",
      { class: "history" },
      events.map((event) => {
        let what = STATUS_TEXT[event.status] || event.status;
        if (event.status === "ej-vart-ansvar" && event.till) what = `Ej vårt ansvar – skickad till ${event.till.namn}`;
        else if (event.status === "ny" && event.till) what = `Ny hos ${event.till.namn}`;
        return el(
          "li",
          {},
          el("span", { class: "history-head" }, el("time", { datetime: event.tid }, dateTime(event.tid)), " ", el("strong", {}, what)),
          event.utford_av ? el("span", { class: "history-who" }, event.utford_av === "anonym" ? "anonym anmälare" : event.utford_av) : null,
          event.notering ? el("span", { class: "history-note" }, event.notering) : null,
        );
      }),
    ),
  );
}

function noteField(id) {
  return el(
    "div",
    { class: "field" },
    el("label", { for: id }, "Notering ", el("span", { class: "muted" }, "(syns bara för er, inte för allmänheten)")),
    el("textarea", { id, name: "notering", rows: 2, maxlength: 4000 }),
  );
}

function actionForm(legend, className, fields, buttonText, toChange, ctx) {
  const message = el("p", { class: "form-error", role: "alert" });
  const button = el("button", { type: "submit", class: "primary" }, buttonText);
  const form = el("form", { class: `action ${className}`, novalidate: false }, el("fieldset", {}, el("legend", {}, legend), fields, button, message));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    if (!form.reportValidity()) return;
    button.disabled = true;
    try {
      const data = new FormData(form);
      const change = toChange(data);
      const updated = await send("POST", `/api/v1/felanmalan/${encodeURIComponent(ctx.report.nummer)}/status`, change);
      ctx.onChanged(updated, change);
    } catch (error) {
      message.textContent = error.message;
      button.disabled = false;
    }
  });
  return form;
}

function actions(report, ctx) {
  if (!isOpen(report.status)) {
    return el("p", { class: "closed-note" }, `Ärendet är avslutat (${report.status_text}).`);
  }
  const block = el("section", { class: "detail-block actions", "aria-labelledby": "hantera-rubrik" }, el("h3", { id: "hantera-rubrik" }, "Hantera"));
  const next = nextStatus(report.status);
  if (next) {
    block.append(
      actionForm("Nästa steg", "next-status", [noteField("notering-status")], `Markera som ${STATUS_TEXT[next].toLowerCase()}`, (data) => ({ status: next, notering: data.get("notering") }), ctx),
    );
  }
  const targets = ctx.organisations.filter((o) => o.slug !== report.mottagare.slug && o.typ !== "privat");
  const targetSelect = el("select", { id: "skicka-till", name: "till", required: true }, new Option("Välj organisation", ""), ...targets.map((o) => new Option(o.namn, o.slug)));
  block.append(
    actionForm(
      "Ej vårt ansvar – skicka till …",
      "forward",
      [el("div", { class: "field" }, el("label", { for: "skicka-till" }, "Organisation som tar över"), targetSelect), noteField("notering-vidare")],
      "Skicka vidare",
      (data) => ({ status: "ej-vart-ansvar", till: data.get("till"), notering: data.get("notering") }),
      ctx,
    ),
    actionForm(
      "Markera som dubblett",
      "duplicate",
      [
        el(
          "div",
          { class: "field" },
          el("label", { for: "dubblett-av" }, "Dubblett av felanmälan ", el("span", { class: "muted" }, "(t.ex. F-2026-000123)")),
          el("input", { id: "dubblett-av", name: "dubblett_av", required: true, pattern: NUMBER_PATTERN, title: "Ett felanmälningsnummer, t.ex. F-2026-000123", autocomplete: "off", spellcheck: "false" }),
        ),
        noteField("notering-dubblett"),
      ],
      "Markera som dubblett",
      (data) => ({ status: "dubblett", dubblett_av: data.get("dubblett_av").trim().toUpperCase(), notering: data.get("notering") }),
      ctx,
    ),
  );
  return block;
}

// ctx: {session, organisations, report, onChanged(updated, change), onClose()}
export function renderDetail(section, report, ctx) {
  const context = { ...ctx, report };
  const heading = el("h2", { id: "arende-rubrik", tabindex: "-1" }, `${report.nummer} · ${report.kategori.namn}`);
  const handles = mayHandle(ctx.session, report);
  const parts = [
    el("div", { class: "detail-top" }, el("button", { type: "button", class: "back", onclick: ctx.onClose }, "← Tillbaka till listan")),
    heading,
    el("p", { class: "detail-status" }, "Status: ", statusBadge(report.status, report.status_text)),
    ctx.message ? el("p", { class: "detail-message" }, ctx.message) : null,
    facts(report),
  ];
  if (report.detaljer) {
    parts.push(
      el("section", { class: "detail-block", "aria-labelledby": "beskrivning-rubrik" }, el("h3", { id: "beskrivning-rubrik" }, "Beskrivning"), el("p", { class: "description" }, report.detaljer.beskrivning || "Ingen beskrivning.")),
      photos(report),
      contact(report),
      history(report),
    );
  } else {
    parts.push(el("p", { class: "muted" }, "Beskrivning, foton och kontaktuppgifter visas bara för den organisation som tar emot ärendet."));
  }
  if (handles) parts.push(actions(report, context));
  else if (report.detaljer === null) parts.push(el("p", { class: "muted" }, `Ärendet tas emot av ${report.mottagare.namn}.`));
  section.replaceChildren(...parts.filter(Boolean));
  return heading;
}

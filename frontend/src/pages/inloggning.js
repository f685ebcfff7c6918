// The sign-in page: with the organisation's account (OpenID Connect) when the service has a
// provider, with an API token when that is allowed; the service's errors explained in Swedish.
import "../app.css";
import "./signin.css";
import { mountAccount } from "../account.js";
import { getSession } from "../session.js";

// The service sends the browser here with ?fel=<code> (app/signin/router.py).
const ERRORS = {
  "ingen-behorighet": {
    title: "Ditt konto har ingen behörighet i Ansvarskartan",
    text:
      "Du loggades in hos din organisation, men ditt konto hör inte till någon grupp som " +
      "Ansvarskartan känner igen. Ingen inloggning gjordes. Be den som administrerar " +
      "Ansvarskartan hos din organisation att ge ditt konto rätt grupp, och försök sedan igen. " +
      "Kartan kan du använda utan att logga in.",
  },
  "organisation-saknas": {
    title: "Din organisation finns inte i Ansvarskartan",
    text:
      "Ditt konto hör till en organisation som inte är upplagd i Ansvarskartan. Ingen " +
      "inloggning gjordes. Kontakta den som administrerar Ansvarskartan.",
  },
  "ogiltig-token": {
    title: "Token godtogs inte",
    text: "Token är ogiltig, har gått ut eller har återkallats. Kontrollera den och försök igen.",
  },
  "token-avstangd": {
    title: "Inloggning med token är avstängd",
    text: "Den här tjänsten tar inte emot inloggning med API-token. Logga in med ditt organisationskonto.",
  },
  "fel-ursprung": {
    title: "Inloggningen kunde inte bekräftas",
    text: "Inloggningen skickades inte från den här sidan. Försök igen här.",
  },
  "oidc-saknas": {
    title: "Inloggning med organisationskonto finns inte här",
    text: "Den här tjänsten har ingen inloggningstjänst inställd.",
  },
  avbruten: {
    title: "Inloggningen avbröts",
    text: "Du avbröt inloggningen, eller så nekade inloggningstjänsten den. Försök igen om du vill logga in.",
  },
  utgangen: {
    title: "Inloggningen tog för lång tid",
    text: "Inloggningen hann gå ut eller påbörjades i en annan webbläsare. Försök igen.",
  },
  misslyckades: {
    title: "Inloggningen misslyckades",
    text: "Svaret från inloggningstjänsten kunde inte godtas. Försök igen. Om felet består, kontakta den som administrerar Ansvarskartan.",
  },
  "leverantor-svarar-inte": {
    title: "Inloggningstjänsten svarar inte",
    text: "Din organisations inloggningstjänst gick inte att nå just nu. Försök igen om en stund.",
  },
  felinstallt: {
    title: "Inloggningen är felinställd",
    text: "Tjänstens inställningar för organisationskonton kan inte användas. Kontakta den som administrerar Ansvarskartan.",
  },
};

const ROLE_NAMES = {
  lasare: "läsare",
  gis: "GIS-handläggare",
  admin: "administratör",
  entreprenor: "entreprenör",
  handlaggare: "handläggare",
};

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

// Only a path of this service; the service checks it again.
function destination(params) {
  const next = params.get("nasta") || "/";
  return next.startsWith("/") && !next.startsWith("//") && !next.includes("\\") ? next : "/";
}

function errorBox(code) {
  const known = ERRORS[code];
  if (!known) return null;
  return element(
    "div",
    { class: "signin-error", role: "alert", id: "inloggningsfel" },
    element("h2", {}, known.title),
    element("p", {}, known.text),
  );
}

function signedInBox(session, next) {
  const who = session.organisation?.namn ? `${session.namn}, ${session.organisation.namn}` : session.namn;
  const role = ROLE_NAMES[session.roll] || session.roll;
  const box = element("div", { class: "signin-done" }, element("p", {}, `Du är inloggad som ${who} (${role}).`));
  if (next !== "/") box.append(element("p", {}, element("a", { href: next }, "Fortsätt dit du var på väg")));
  return box;
}

function providerSection(next) {
  return element(
    "section",
    { class: "signin-section", "aria-labelledby": "organisationskonto" },
    element("h2", { id: "organisationskonto" }, "Personal i kommunen och bolagen"),
    element("p", {}, "Logga in med samma konto som du använder i din organisation."),
    element(
      "a",
      { class: "signin-primary", href: `/inloggning/oidc?nasta=${encodeURIComponent(next)}` },
      "Logga in med ditt organisationskonto",
    ),
  );
}

function tokenSection(next) {
  const form = element(
    "form",
    { class: "signin-form", method: "post", action: "/inloggning/token" },
    element("label", { for: "token" }, "API-token"),
    element("input", {
      id: "token",
      name: "token",
      type: "password",
      required: "",
      autocomplete: "off",
      spellcheck: "false",
      maxlength: "200",
      "aria-describedby": "token-hjalp",
    }),
    element(
      "p",
      { class: "hint", id: "token-hjalp" },
      "För installationer utan inloggningstjänst. En token får du av den som administrerar Ansvarskartan.",
    ),
    element("input", { type: "hidden", name: "nasta", value: next }),
    element("button", { type: "submit" }, "Logga in med token"),
  );
  return element(
    "section",
    { class: "signin-section", "aria-labelledby": "med-token" },
    element("h2", { id: "med-token" }, "Med en API-token"),
    form,
  );
}

async function render() {
  const container = document.getElementById("inloggning");
  const params = new URLSearchParams(window.location.search);
  const next = destination(params);
  const session = await getSession();
  const parts = [];
  const error = errorBox(params.get("fel"));
  if (error) parts.push(error);
  if (session.inloggad) {
    parts.push(signedInBox(session, next));
  } else {
    if (session.oidc) parts.push(providerSection(next));
    if (session.token) parts.push(tokenSection(next));
    if (!session.oidc && !session.token) {
      parts.push(element("p", {}, "Inloggning är inte inställd i den här tjänsten."));
    }
  }
  parts.push(element("p", { class: "signin-back" }, element("a", { href: "/" }, "Tillbaka till kartan")));
  container.replaceChildren(...parts);
  container.dataset.klar = "";
}

mountAccount(document.getElementById("konto"));
render();

// The account corner of every page's header: "Logga in", or the signed-in name with the inbox
// and "Logga ut". Self-contained: mountAccount(element) fills the element and keeps it current.
import "./account.css";
import { forgetSession, getSession } from "./session.js";

// Roles that handle fault reports and so have an inbox; a reader (lasare) has none.
const INBOX_ROLES = new Set(["handlaggare", "gis", "admin", "entreprenor"]);

function here() {
  const { pathname, search, hash } = window.location;
  return `${pathname}${search}${hash}`;
}

function signInLink() {
  const link = document.createElement("a");
  link.className = "account-link";
  link.href = `/inloggning?nasta=${encodeURIComponent(here())}`;
  link.textContent = "Logga in";
  return link;
}

function nameOf(session) {
  const name = document.createElement("span");
  name.className = "account-name";
  name.textContent = session.namn;
  if (session.organisation?.namn) {
    const organisation = document.createElement("span");
    organisation.className = "account-org";
    organisation.textContent = `, ${session.organisation.namn}`;
    name.append(organisation);
  }
  name.title = name.textContent;
  return name;
}

async function signOut(session, button, message) {
  button.disabled = true;
  message.textContent = "";
  try {
    const response = await fetch("/utloggning", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": session.csrf, Accept: "application/json" },
    });
    if (!response.ok) throw new Error(String(response.status));
    forgetSession();
    window.location.reload();
  } catch {
    button.disabled = false;
    message.textContent = "Utloggningen misslyckades. Försök igen.";
  }
}

function signedIn(session) {
  const parts = [nameOf(session)];
  if (INBOX_ROLES.has(session.roll)) {
    const inbox = document.createElement("a");
    inbox.className = "account-link";
    inbox.href = "/inkorg";
    inbox.textContent = "Inkorg";
    if (window.location.pathname === "/inkorg") inbox.setAttribute("aria-current", "page");
    parts.push(inbox);
  }
  parts.push(Object.assign(document.createElement("a"), { className: "account-link", href: "/samordning", textContent: "Samordning", ariaCurrent: window.location.pathname === "/samordning" ? "page" : null }));
  const button = document.createElement("button");
  button.type = "button";
  button.className = "account-signout";
  button.textContent = "Logga ut";
  const message = document.createElement("p");
  message.className = "account-error";
  message.setAttribute("role", "alert");
  button.addEventListener("click", () => signOut(session, button, message));
  parts.push(button, message);
  return parts;
}

// Fills element with the account corner; resolves when it is drawn (data-konto="klar").
export async function mountAccount(element) {
  if (!element) return;
  const session = await getSession();
  const onSignInPage = window.location.pathname === "/inloggning";
  const signedOut = onSignInPage ? [] : [signInLink()];
  element.replaceChildren(...(session.inloggad ? signedIn(session) : signedOut));
  element.dataset.konto = "klar";
}

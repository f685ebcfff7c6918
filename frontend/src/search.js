// Search: designations and organisations, suggested as you type (an ARIA 1.2 combobox).
import { getJson } from "./api.js";

const DELAY_MS = 150;
export const NO_MATCH =
  "Inga träffar. Sök på en fastighetsbeteckning, t.ex. Grantorp 1:1, eller på en organisation, t.ex. Huge.";

// status: where "Inga träffar" and failures are said (a role=status element).
export function setupSearch(input, list, status, onChoose) {
  let timer = null;
  let suggestions = [];
  let active = -1;
  let asked = null; // the pending request's promise, so Enter can wait for it

  const say = (text) => {
    status.textContent = text;
    status.hidden = !text;
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const choose = (i) => {
    const suggestion = suggestions[i];
    if (!suggestion) return;
    input.value = suggestion.namn;
    close();
    say("");
    onChoose(suggestion);
  };
  const render = () => {
    list.innerHTML = "";
    suggestions.forEach((s, i) => {
      const item = document.createElement("li");
      item.setAttribute("role", "option");
      item.id = `forslag-${i}`;
      item.className = i === active ? "active" : "";
      item.setAttribute("aria-selected", String(i === active));
      item.textContent = s.typ === "organisation" ? `${s.namn} (organisation)` : s.namn;
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(i);
      });
      list.append(item);
    });
    list.hidden = suggestions.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
    if (active >= 0) input.setAttribute("aria-activedescendant", `forslag-${active}`);
    else input.removeAttribute("aria-activedescendant");
  };
  const ask = async (text) => {
    try {
      suggestions = (await getJson(`/api/v1/sok?q=${encodeURIComponent(text)}`)).forslag;
      say(suggestions.length ? "" : NO_MATCH);
    } catch (error) {
      suggestions = [];
      say(`Sökningen misslyckades: ${error.message}`);
    }
    active = -1;
    render();
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    asked = null;
    const text = input.value.trim();
    if (text.length < 2) {
      suggestions = [];
      say("");
      render();
      return;
    }
    asked = new Promise((done) => {
      timer = setTimeout(() => ask(text).then(done), DELAY_MS);
    });
  });
  input.addEventListener("keydown", async (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!suggestions.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = (active + step + suggestions.length) % suggestions.length;
      render();
    } else if (event.key === "Enter") {
      event.preventDefault();
      // Typed and pressed Enter before the suggestions came: take the first when they do.
      if (asked) await asked;
      choose(active >= 0 ? active : 0);
    } else if (event.key === "Escape") {
      // The first Escape closes the suggestions, not the answer panel behind them.
      if (!list.hidden || !status.hidden) event.stopPropagation();
      close();
      say("");
    }
  });
  input.addEventListener("blur", () =>
    setTimeout(() => {
      close();
      say("");
    }, 100),
  );
}

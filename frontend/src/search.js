// Search: designations and organisations, suggested as you type.
import { getJson } from "./api.js";

export function setupSearch(input, list, onChoose) {
  let timer = null;
  let suggestions = [];
  let active = -1;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    active = -1;
  };
  const choose = (i) => {
    const suggestion = suggestions[i];
    if (!suggestion) return;
    input.value = suggestion.namn;
    close();
    onChoose(suggestion);
  };
  const render = () => {
    list.innerHTML = "";
    suggestions.forEach((s, i) => {
      const item = document.createElement("li");
      item.setAttribute("role", "option");
      item.id = `forslag-${i}`;
      item.className = i === active ? "active" : "";
      item.textContent = s.typ === "organisation" ? `${s.namn} (organisation)` : s.namn;
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(i);
      });
      list.append(item);
    });
    list.hidden = suggestions.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < 2) {
      suggestions = [];
      render();
      return;
    }
    timer = setTimeout(async () => {
      try {
        suggestions = (await getJson(`/api/v1/sok?q=${encodeURIComponent(text)}`)).forslag;
      } catch {
        suggestions = [];
      }
      active = -1;
      render();
    }, 150);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = (active + step + suggestions.length) % Math.max(suggestions.length, 1);
      render();
    } else if (event.key === "Enter") {
      event.preventDefault();
      choose(active >= 0 ? active : 0);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
}

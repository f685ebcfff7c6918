import L from "leaflet";

// A marker of a report: a coloured dot (with a number on a walk's map), reachable by keyboard
// (Enter opens it); the label says what the colour shows.
export function reportMarker(latlng, { label, colour, text, content = "", onOpen }) {
  const dot = document.createElement("span");
  dot.style.background = colour;
  dot.textContent = content;
  const size = content ? 26 : 22;
  const icon = L.divIcon({
    className: "report-pin",
    html: dot,
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
  });
  const marker = L.marker(latlng, { icon, keyboard: true, title: label, riseOnHover: true });
  if (text) marker.bindTooltip(text, { direction: "top", offset: [0, -10] });
  marker.on("click", onOpen);
  // A role=button answers Enter and Space; Leaflet passes the keys on as the marker's events.
  marker.on("keypress", (event) => {
    if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") {
      event.originalEvent.preventDefault();
      onOpen();
    }
  });
  marker.on("add", () => {
    const element = marker.getElement();
    element.setAttribute("role", "button");
    element.setAttribute("aria-label", label);
    element.removeAttribute("title");
  });
  return marker;
}

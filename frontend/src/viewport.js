// The part of the map the answer panel leaves free, and moving the map so what the answer is
// about stays in it: beside the panel on a wide screen, above the bottom sheet on a phone.

const MARGIN_PX = 24;
// On a phone the sheet grows to at most this share of the map (app.css .panel max-height).
const SHEET_SHARE = 0.55;

export function isWide() {
  return window.matchMedia("(min-width: 800px)").matches;
}

// The free part of the map in container pixels {x0, y0, x1, y1}. sheetToCome: on a phone,
// leave room for the sheet at its largest (it is still loading, so smaller now).
export function freeArea(map, panel, { sheetToCome = false } = {}) {
  const size = map.getSize();
  const free = { x0: 0, y0: 0, x1: size.x, y1: size.y };
  if (panel.hidden) return free;
  const container = map.getContainer().getBoundingClientRect();
  const box = panel.getBoundingClientRect();
  if (isWide()) free.x0 = Math.min(Math.max(box.right - container.left, 0), size.x);
  else free.y1 = sheetToCome ? size.y * (1 - SHEET_SHARE) : Math.max(box.top - container.top, 0);
  return free;
}

// How far to move along one axis so [low, high] sits in [start, end]: nothing when it does.
function shift(low, high, start, end) {
  if (low >= start + MARGIN_PX && high <= end - MARGIN_PX) return 0;
  return (low + high) / 2 - (start + end) / 2;
}

// Pans (without animation) so the point, and the bounds too when they fit, are in the free part.
export function keepInView(map, panel, latlng, bounds = null) {
  const free = freeArea(map, panel);
  const point = map.latLngToContainerPoint(latlng);
  let box = { x0: point.x, y0: point.y, x1: point.x, y1: point.y };
  if (bounds?.isValid()) {
    const nw = map.latLngToContainerPoint(bounds.getNorthWest());
    const se = map.latLngToContainerPoint(bounds.getSouthEast());
    const both = {
      x0: Math.min(nw.x, point.x),
      y0: Math.min(nw.y, point.y),
      x1: Math.max(se.x, point.x),
      y1: Math.max(se.y, point.y),
    };
    const fits = both.x1 - both.x0 <= free.x1 - free.x0 - 2 * MARGIN_PX && both.y1 - both.y0 <= free.y1 - free.y0 - 2 * MARGIN_PX;
    if (fits) box = both;
  }
  const dx = shift(box.x0, box.x1, free.x0, free.x1);
  const dy = shift(box.y0, box.y1, free.y0, free.y1);
  if (dx || dy) map.panBy([dx, dy], { animate: false });
}

// fitBounds into the free part of the map.
export function fitInView(map, panel, bounds, maxZoom) {
  const size = map.getSize();
  const free = freeArea(map, panel, { sheetToCome: true });
  map.fitBounds(bounds, {
    paddingTopLeft: [free.x0 + MARGIN_PX, free.y0 + MARGIN_PX],
    paddingBottomRight: [size.x - free.x1 + MARGIN_PX, size.y - free.y1 + MARGIN_PX],
    maxZoom,
    animate: false,
  });
}

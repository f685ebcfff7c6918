// The URL keeps position, zoom, the selected point and the organisation filter, so a link can be
// sent to a colleague: ?organisation=slug#zoom/lat/lon, plus /plat/plon for a selected point.

const FILTER = "organisation";
// A shared place opens at least this close, whatever the sender's zoom.
const SHARED_MIN_ZOOM = 17;

export function readView() {
  const parts = window.location.hash.replace(/^#/, "").split("/").map(Number);
  if (parts.length < 3 || parts.slice(0, 3).some((n) => !Number.isFinite(n))) return null;
  const view = { zoom: parts[0], center: [parts[1], parts[2]], point: null };
  if (parts.length >= 5 && Number.isFinite(parts[3]) && Number.isFinite(parts[4])) {
    view.point = [parts[3], parts[4]];
  }
  return view;
}

// The organisation filter's slug in the URL, or "".
export function readOrganisation() {
  return new URLSearchParams(window.location.search).get(FILTER) || "";
}

function search(organisation) {
  return organisation ? `?${new URLSearchParams({ [FILTER]: organisation })}` : "";
}

function fragment(zoom, center, point) {
  let hash = `#${zoom}/${center[0].toFixed(6)}/${center[1].toFixed(6)}`;
  if (point) hash += `/${point[0].toFixed(6)}/${point[1].toFixed(6)}`;
  return hash;
}

export function writeView(map, point, organisation = "") {
  const c = map.getCenter();
  const url = `${window.location.pathname}${search(organisation)}${fragment(map.getZoom(), [c.lat, c.lng], point)}`;
  window.history.replaceState(null, "", url);
}

// The address of the map centred on a point with that point selected: what "Dela" copies and
// what the mail links carry.
export function placeLink(point, zoom, organisation = "") {
  const z = Math.max(Math.round(zoom), SHARED_MIN_ZOOM);
  return `${window.location.origin}${window.location.pathname}${search(organisation)}${fragment(z, point, point)}`;
}

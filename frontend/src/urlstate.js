// The URL keeps position, zoom and the selected point, so a link can be sent to a colleague:
// #zoom/lat/lon, plus /plat/plon for a selected point.

export function readView() {
  const parts = window.location.hash.replace(/^#/, "").split("/").map(Number);
  if (parts.length < 3 || parts.slice(0, 3).some((n) => !Number.isFinite(n))) return null;
  const view = { zoom: parts[0], center: [parts[1], parts[2]], point: null };
  if (parts.length >= 5 && Number.isFinite(parts[3]) && Number.isFinite(parts[4])) {
    view.point = [parts[3], parts[4]];
  }
  return view;
}

export function writeView(map, point) {
  const c = map.getCenter();
  let hash = `#${map.getZoom()}/${c.lat.toFixed(6)}/${c.lng.toFixed(6)}`;
  if (point) hash += `/${point[0].toFixed(6)}/${point[1].toFixed(6)}`;
  window.history.replaceState(null, "", hash);
}

// Every page's base map: the one the service names (GET /api/v1/karta/installningar), or a plain
// grid when there is none or its tiles cannot be reached.
import L from "leaflet";

export const HUDDINGE = [59.215, 18.03];

export function addBaseMap(map, settings, onFailure) {
  const basemap = settings?.bakgrundskarta;
  if (!basemap) {
    map.getContainer().classList.add("no-basemap");
    return;
  }
  let failed = false;
  L.tileLayer(basemap.url, { attribution: basemap.attribution, maxZoom: 20, maxNativeZoom: 19 })
    .on("tileerror", () => {
      if (failed) return;
      failed = true;
      map.getContainer().classList.add("no-basemap");
      onFailure?.();
    })
    .addTo(map);
}

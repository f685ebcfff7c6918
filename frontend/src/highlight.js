// What the answer is about, drawn over the map: the deciding object in yellow, at a boundary the
// other organisation's object (or parcel) in purple, and a parcel chosen in the search.
import L from "leaflet";
import { getJson } from "./api.js";

// A dark casing under each colour keeps it visible on light and dark ground alike.
const CASING = { color: "#14213d", weight: 9, opacity: 0.75, fill: false };
export const DECIDING = { color: "#ffd400", weight: 5, opacity: 1, fill: false };
export const OTHER = { color: "#b04bd8", weight: 5, opacity: 1, fill: false, dashArray: "10 7" };
const PARCEL = { color: "#14213d", weight: 3, opacity: 1, fillColor: "#14213d", fillOpacity: 0.06, dashArray: "6 4" };

function drawn(features, style, radius) {
  const group = L.featureGroup();
  for (const [layerStyle, r] of [[CASING, radius + 2], [style, radius]]) {
    L.geoJSON(features, {
      interactive: false,
      style: layerStyle,
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { ...layerStyle, radius: r }),
    }).addTo(group);
  }
  return group;
}

function parcelAreas(ids) {
  return Promise.all(ids.map((id) => getJson(`/ogc/collections/fastigheter/items/${encodeURIComponent(id)}`)));
}

// The parcel's areas (feature ids of the OGC collection fastigheter) by its designation.
async function parcelAreaIds(designation) {
  const found = await getJson(`/api/v1/sok?q=${encodeURIComponent(designation)}`);
  return found.forslag.find((s) => s.typ === "fastighet" && s.namn === designation)?.fastighetsytor || [];
}

export class Highlights {
  // collections: the OGC API collection of each geometry kind (stil.json's samlingar).
  constructor(map, collections) {
    this.map = map;
    this.collections = collections;
    this.answerLayer = L.featureGroup().addTo(map);
    this.parcelLayer = L.featureGroup().addTo(map);
  }

  async objectFeature(object) {
    return getJson(`/ogc/collections/${this.collections[object.geometrityp]}/items/${encodeURIComponent(object.id)}`);
  }

  // The answer's object and the objects of the other organisations at a boundary; their bounds.
  async showAnswer(answer) {
    this.clearAnswer();
    const wanted = [];
    if (answer.objekt) wanted.push(this.objectFeature(answer.objekt).then((f) => drawn(f, DECIDING, 12)));
    for (const other of answer.tvetydig ? answer.tvetydig_med || [] : []) {
      if (other.objekt) wanted.push(this.objectFeature(other.objekt).then((f) => drawn(f, OTHER, 16)));
      else if (other.fastighetsbeteckning) {
        wanted.push(
          parcelAreaIds(other.fastighetsbeteckning)
            .then(parcelAreas)
            .then((areas) => drawn({ type: "FeatureCollection", features: areas }, OTHER, 16)),
        );
      }
    }
    // The answer stands without a highlight that could not be fetched.
    const layers = (await Promise.allSettled(wanted)).filter((r) => r.status === "fulfilled").map((r) => r.value);
    // Other organisations' objects under, the deciding one on top.
    for (const layer of layers.reverse()) layer.addTo(this.answerLayer);
    return layers.length ? this.answerLayer.getBounds() : null;
  }

  clearAnswer() {
    this.answerLayer.clearLayers();
  }

  // A parcel chosen in the search: outlined and labelled; its bounds.
  async showParcel(name, areaIds, labelAt) {
    this.clearParcel();
    const areas = await parcelAreas(areaIds);
    const outline = L.geoJSON({ type: "FeatureCollection", features: areas }, { interactive: false, style: PARCEL });
    outline.addTo(this.parcelLayer);
    // Above the point asked about, which sits inside the parcel too.
    L.tooltip({ permanent: true, direction: "top", offset: [0, -10], className: "parcel-label", interactive: false })
      .setLatLng(labelAt)
      .setContent(name.replace(/^HUDDINGE /, ""))
      .addTo(this.parcelLayer);
    return outline.getBounds();
  }

  clearParcel() {
    this.parcelLayer.clearLayers();
  }
}

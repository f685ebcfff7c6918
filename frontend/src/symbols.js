// Symbols from the service's style document (/api/v1/skotselprodukter/stil.json), which is
// generated from the shared catalogue like the QGIS and SLD styles: the map and the legend
// draw exactly what a GIS technician sees. The same functions draw the map and the legend.

export function pathStyle(style) {
  return { ...style.leaflet };
}

// Each shape spans the marker's size (a circle's diameter, a square's side), as in QGIS and SLD.
const SHAPES = {
  circle: (c) => `<circle cx="${c}" cy="${c}" r="${c - 1}"/>`,
  square: (c) => `<rect x="1" y="1" width="${2 * c - 2}" height="${2 * c - 2}"/>`,
  triangle: (c) => `<polygon points="${c},1 ${2 * c - 1},${2 * c - 1} 1,${2 * c - 1}"/>`,
  diamond: (c) => `<polygon points="${c},1 ${2 * c - 1},${c} ${c},${2 * c - 1} 1,${c}"/>`,
  star: (c) => {
    const points = [];
    for (let i = 0; i < 10; i += 1) {
      const r = i % 2 === 0 ? c - 1 : (c - 1) * 0.45;
      const a = (Math.PI / 5) * i - Math.PI / 2;
      points.push(`${(c + r * Math.cos(a)).toFixed(2)},${(c + r * Math.sin(a)).toFixed(2)}`);
    }
    return `<polygon points="${points.join(" ")}"/>`;
  },
  cross: (c) => {
    const t = Math.max(2, c / 2.5);
    return `<path d="M${c - t / 2} 1h${t}v${c - t / 2 - 1}h${c - t / 2 - 1}v${t}h-${c - t / 2 - 1}v${c - t / 2 - 1}h-${t}v-${c - t / 2 - 1}h-${c - t / 2 - 1}v-${t}h${c - t / 2 - 1}z"/>`;
  },
};

// The marker's box: its size plus a pixel each side for the stroke.
export function markerBox(style) {
  return style.markor.size + 2;
}

export function markerSvg(style) {
  const m = style.markor;
  const c = markerBox(style) / 2;
  const shape = (SHAPES[m.shape] || SHAPES.circle)(c);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * c}" height="${2 * c}" viewBox="0 0 ${2 * c} ${2 * c}" overflow="visible" aria-hidden="true">` +
    `<g fill="${m.fill}" fill-opacity="${m.fillOpacity}" stroke="${m.stroke}" stroke-width="${m.strokeWidth}">${shape}</g></svg>`
  );
}

export function swatchSvg(style) {
  if (style.markor) return markerSvg(style);
  const st = style.leaflet;
  const dash = st.dashArray ? ` stroke-dasharray="${st.dashArray}"` : "";
  if (style.geometrityp === "linje") {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="28" height="14" aria-hidden="true"><line x1="2" y1="7" x2="26" y2="7" stroke="${st.color}" stroke-width="${st.weight}"${dash}/></svg>`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="28" height="18" aria-hidden="true"><rect x="2" y="2" width="24" height="14" fill="${st.fillColor}" fill-opacity="${st.fillOpacity}" stroke="${st.color}" stroke-width="${st.weight}"${dash}/></svg>`;
}

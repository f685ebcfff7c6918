// Symbols from the shared catalogue: the same function draws the map and the legend.

export function pathStyle(product) {
  const s = product.symbologi;
  return {
    color: s.linjefarg,
    weight: s.linjebredd,
    dashArray: s.streckmonster || null,
    opacity: 1,
    fill: product.geometrityp === "yta",
    fillColor: s.fyllnadsfarg || s.linjefarg,
    fillOpacity: product.geometrityp === "yta" ? (s.fyllnadsopacitet ?? 0.5) : 0,
  };
}

const SHAPES = {
  circle: (c) => `<circle cx="${c}" cy="${c}" r="${c - 1.5}"/>`,
  square: (c) => `<rect x="1.5" y="1.5" width="${2 * c - 3}" height="${2 * c - 3}"/>`,
  triangle: (c) => `<polygon points="${c},1.5 ${2 * c - 1.5},${2 * c - 1.5} 1.5,${2 * c - 1.5}"/>`,
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

export function markerSvg(product) {
  const s = product.symbologi;
  const size = s.markorstorlek || 10;
  const c = size / 2 + 1;
  const shape = (SHAPES[s.markor] || SHAPES.circle)(c);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * c}" height="${2 * c}" viewBox="0 0 ${2 * c} ${2 * c}" aria-hidden="true">` +
    `<g fill="${s.fyllnadsfarg}" fill-opacity="${s.fyllnadsopacitet ?? 1}" stroke="${s.linjefarg}" stroke-width="${s.linjebredd}">${shape}</g></svg>`
  );
}

export function swatchSvg(product) {
  if (product.geometrityp === "punkt") return markerSvg(product);
  const st = pathStyle(product);
  const dash = st.dashArray ? ` stroke-dasharray="${st.dashArray}"` : "";
  if (product.geometrityp === "linje") {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="28" height="14" aria-hidden="true"><line x1="2" y1="7" x2="26" y2="7" stroke="${st.color}" stroke-width="${st.weight}"${dash}/></svg>`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="28" height="18" aria-hidden="true"><rect x="2" y="2" width="24" height="14" fill="${st.fillColor}" fill-opacity="${st.fillOpacity}" stroke="${st.color}" stroke-width="${st.weight}"${dash}/></svg>`;
}

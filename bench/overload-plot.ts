/** A dependency-free SVG line chart for the overload run: one panel per series group, shared time axis. */
export interface Series {
  label: string;
  color: string;
  values: number[];
  dashed?: boolean;
}

export interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function plotSvg(title: string, seconds: number[], panels: Panel[]): string {
  const width = 900;
  const panelHeight = 220;
  const left = 70;
  const right = 190;
  const top = 40;
  const gap = 50;
  const height = top + panels.length * (panelHeight + gap);
  const plotW = width - left - right;
  const tMax = Math.max(1, ...seconds);
  const x = (t: number) => left + (t / tMax) * plotW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  panels.forEach((panel, i) => {
    const y0 = top + i * (panelHeight + gap) + 20;
    const yMax = Math.max(1, ...panel.series.flatMap((s) => s.values.filter(Number.isFinite))) * 1.1;
    const y = (v: number) => y0 + panelHeight - (v / yMax) * panelHeight;
    out.push(`<text x="${left}" y="${y0 - 6}" font-weight="bold">${esc(panel.title)} (${esc(panel.unit)})</text>`);
    out.push(`<rect x="${left}" y="${y0}" width="${plotW}" height="${panelHeight}" fill="none" stroke="#999"/>`);
    for (let k = 0; k <= 4; k++) {
      const v = (yMax * k) / 4;
      out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
      out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`);
    }
    const step = Math.max(1, Math.ceil(tMax / 10));
    for (let t = 0; t <= tMax; t += step) out.push(`<text x="${x(t)}" y="${y0 + panelHeight + 14}" text-anchor="middle">${t}s</text>`);
    panel.series.forEach((s, j) => {
      const points = s.values.map((v, k) => (Number.isFinite(v) ? `${x(seconds[k]!).toFixed(1)},${y(v).toFixed(1)}` : null)).filter(Boolean);
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""} points="${points.join(" ")}"/>`);
      const ly = y0 + 14 + j * 18;
      out.push(`<line x1="${left + plotW + 12}" x2="${left + plotW + 36}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
      out.push(`<text x="${left + plotW + 42}" y="${ly}">${esc(s.label)}</text>`);
    });
  });
  out.push("</svg>");
  return out.join("\n");
}

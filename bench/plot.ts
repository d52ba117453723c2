/**
 * Time-series charts for benchmark results, as SVG files: one panel per series group over
 * a shared time axis, drawn by Vega-Lite (rendered headless, no browser or canvas).
 */
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

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

const WIDTH = 720;
const PANEL_HEIGHT = 180;

function panelSpec(seconds: number[], panel: Panel) {
  const values = panel.series.flatMap((s) =>
    s.values.map((v, i) => ({ t: seconds[i], v: Number.isFinite(v) ? v : null, series: s.label })).filter((p) => p.t !== undefined),
  );
  return {
    title: { text: `${panel.title} (${panel.unit})`, anchor: "start" as const, fontSize: 13 },
    width: WIDTH,
    height: PANEL_HEIGHT,
    data: { values },
    mark: { type: "line" as const, strokeWidth: 2, interpolate: "linear" as const },
    encoding: {
      x: { field: "t", type: "quantitative" as const, title: "seconds", scale: { domain: [0, Math.max(1, ...seconds)] } },
      y: { field: "v", type: "quantitative" as const, title: panel.unit, scale: { zero: true } },
      color: {
        field: "series",
        type: "nominal" as const,
        title: null,
        scale: { domain: panel.series.map((s) => s.label), range: panel.series.map((s) => s.color) },
        legend: { orient: "right" as const },
      },
      strokeDash: {
        field: "series",
        type: "nominal" as const,
        title: null,
        scale: { domain: panel.series.map((s) => s.label), range: panel.series.map((s) => (s.dashed ? [6, 4] : [1, 0])) },
        legend: { orient: "right" as const },
      },
    },
  };
}

/** Renders the panels one above the other, `seconds[i]` being the time of every series' i-th value. */
export async function plotSvg(title: string, seconds: number[], panels: Panel[]): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, anchor: "start", fontSize: 15 },
    background: "white",
    padding: 12,
    vconcat: panels.map((panel) => panelSpec(seconds, panel)),
    resolve: { scale: { color: "independent", strokeDash: "independent" } },
  };
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

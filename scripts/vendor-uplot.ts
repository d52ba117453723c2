/**
 * `bun scripts/vendor-uplot.ts`: copies uPlot's browser build from node_modules (the
 * version pinned in package.json) into edge/src/assets as `.txt`, which both Bun and
 * wrangler import as text, so the Worker serves the charting library itself. Run it after
 * changing the uplot version; edge/test/organiser.test.ts fails while the copies differ.
 */
import { join } from "node:path";

const root = join(import.meta.dir, "..");
export const UPLOT_FILES = [
  { from: "node_modules/uplot/dist/uPlot.iife.min.js", to: "edge/src/assets/uPlot.iife.min.js.txt" },
  { from: "node_modules/uplot/dist/uPlot.min.css", to: "edge/src/assets/uPlot.min.css.txt" },
  { from: "node_modules/uplot/LICENSE", to: "edge/src/assets/uPlot.LICENSE.txt" },
] as const;

if (import.meta.main) {
  for (const f of UPLOT_FILES) {
    await Bun.write(join(root, f.to), Bun.file(join(root, f.from)));
    console.log(`${f.from} -> ${f.to}`);
  }
}

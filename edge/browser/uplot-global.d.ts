// uPlot arrives by its own <script> (the vendored IIFE build, see edge/src/dashboard-page.ts),
// which sets this global; undefined when that file did not load.
declare var uPlot: typeof import("uplot") | undefined;

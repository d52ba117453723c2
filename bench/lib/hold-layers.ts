/** The layers `bun run bench hold-layers` rebuilds the hold route from, each on top of the one before. */
export const LAYERS = ["evalsha", "script", "service", "route", "origin"] as const;
export type Layer = (typeof LAYERS)[number];

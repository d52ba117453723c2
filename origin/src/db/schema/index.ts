export * from "./events.ts";
export * from "./seats.ts";
export * from "./orders.ts";
export * from "./reservations.ts";
export * from "./waiting-rooms.ts";
export * from "./access.ts";
export * from "./sale-samples.ts";

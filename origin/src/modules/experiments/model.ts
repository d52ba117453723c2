import { Elysia, t } from "elysia";
import { integer } from "../shared/model.ts";

export const RACE_VARIANTS = ["none", "mutex", "optimistic", "pessimistic"] as const;
export type RaceVariant = (typeof RACE_VARIANTS)[number];

export const experimentModels = new Elysia({ name: "experiment-models" }).model({
  "race.params": t.Object({
    variant: t.UnionEnum([...RACE_VARIANTS], { description: "concurrency control under test" }),
    seatId: t.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }),
  }),
  "race.seat": t.Object({ seatId: t.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }) }),
  "race.buy": t.Object({ buyer: t.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  "race.sold": t.Object({ seatId: t.String(), buyer: t.String(), variant: t.String() }),
  "race.outcome": t.Object({
    seatId: t.String(),
    owner: t.Nullable(t.String({ description: "the buyer the seat row names at the end" })),
    sales: integer({ description: "buyers who were told they bought the seat" }),
    buyers: t.Array(t.String()),
  }),
});

/** Schemas of the waiting list as the organiser reads it (service.ts). */
import { Elysia, t } from "elysia";
import { eventIdSchema, integer } from "../shared/model.ts";

export const waitlistEntryView = t.Object({
  place: integer({ description: "the order the fan joined the list in" }),
  quantity: integer({ description: "seats asked for" }),
  tier: t.Union([t.String(), t.Null()], { description: "the tier asked for; null = any" }),
  hasContact: t.Boolean({ description: "whether the fan left a way to reach them (the contact itself is not shown here)" }),
  status: t.Union([t.Literal("waiting"), t.Literal("offered"), t.Literal("claimed"), t.Literal("passed")]),
  offerDeadline: t.Union([t.String({ format: "date-time" }), t.Null()], { description: "when the last offer's claim window ends" }),
});

export const waitlistView = t.Object({
  eventId: t.String(),
  waiting: integer({ description: "entries waiting on the list now (Redis)" }),
  offers: integer({ description: "offers whose claim window is open now (Redis)" }),
  claimed: integer({ description: "offers claimed so far (MySQL)" }),
  passed: integer({ description: "offers not claimed in their window, which moved on (MySQL)" }),
  entries: t.Array(waitlistEntryView, { description: "every entry MySQL has, in order (the first 1,000)" }),
}, { description: "The waiting list after sell-out: its length, the open offers and what became of each entry." });

export const waitlistModels = new Elysia({ name: "models.waitlist" }).model({
  "waitlist.params": t.Object({ eventId: eventIdSchema }),
  "waitlist.view": waitlistView,
});

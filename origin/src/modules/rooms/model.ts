/** Schemas of what a waiting room covers besides its own event: other events, and path prefixes. */
import { Elysia, t } from "elysia";
import { MAX_COVERS } from "../../../../common/room-routes.ts";
import { eventIdSchema } from "../shared/model.ts";

const coveredEvents = t.Array(eventIdSchema, { maxItems: MAX_COVERS, description: `other events whose fans stand in this room's line (a tour's other nights), at most ${MAX_COVERS}; each must exist` });
const coveredPaths = t.Array(t.String({ minLength: 1, maxLength: 200, description: "a canonical path prefix strictly under /events/<id>/, e.g. /events/tour-night-2/presale" }), {
  maxItems: MAX_COVERS,
  description: `path prefixes whose pages are behind this room's line, at most ${MAX_COVERS}`,
});

export const coversBody = t.Object({ events: coveredEvents, paths: t.Optional(coveredPaths) }, { additionalProperties: false, description: "Everything the room covers, replacing what it covered (an empty list covers nothing more). `paths` left out: none." });

const decided = t.Object(
  {
    value: t.String({ description: "the covered event id or path prefix" }),
    room: t.String({ description: "the room whose line it is in now: this room, or the one that wins it (an event's own room, then the room that covered it first)" }),
  },
  { description: "One cover and the room that decides for it." },
);

export const coversView = t.Object(
  {
    eventId: t.String({ description: "the room: the event whose waiting room this is" }),
    events: t.Array(decided, { description: "covered events, in the order given" }),
    paths: t.Array(decided, { description: "covered path prefixes, in the order given" }),
  },
  { description: "What the room covers, and which room's line each cover is in now (another room may win an overlap)." },
);

export const roomModels = new Elysia({ name: "models.rooms" }).model({
  "rooms.params": t.Object({ eventId: eventIdSchema }),
  "rooms.covers": coversBody,
  "rooms.view": coversView,
});

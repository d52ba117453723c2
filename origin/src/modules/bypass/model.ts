/** Schemas of the bypass rules for staff and monitoring: by path, by header secret, by IP range. */
import { Elysia, t } from "elysia";
import { SECRET_MAX, SECRET_MIN } from "../../../../common/bypass.ts";
import { eventIdSchema, integer } from "../shared/model.ts";

const label = t.String({ minLength: 1, maxLength: 100, description: "what the organiser calls it (box office, uptime monitor, ...)" });
const enabled = t.Boolean({ description: "a disabled rule does nothing; default true" });

export const createRuleBody = t.Union(
  [
    t.Object(
      {
        kind: t.Literal("path"),
        label,
        path: t.String({
          minLength: 1,
          maxLength: 200,
          description: "a path prefix strictly under /events/<eventId>/ (e.g. /events/demo/info): GET and HEAD requests under it go to the origin without the line and without any credential",
        }),
        enabled: t.Optional(enabled),
      },
      { additionalProperties: false },
    ),
    t.Object(
      {
        kind: t.Literal("header"),
        label,
        secret: t.Optional(
          t.String({ minLength: SECRET_MIN, maxLength: SECRET_MAX, pattern: "^[\\x21-\\x7e]+$", description: `the staff secret sent as X-Concert-U-Bypass: ${SECRET_MIN}-${SECRET_MAX} visible ASCII characters; leave out to have one generated (shown once)` }),
        ),
        enabled: t.Optional(enabled),
      },
      { additionalProperties: false },
    ),
    t.Object(
      {
        kind: t.Literal("ip"),
        label,
        cidr: t.String({ minLength: 2, maxLength: 64, description: "an IPv4 or IPv6 range, e.g. 192.0.2.0/24 or 2001:db8::/48 (an address alone is one address)" }),
        enabled: t.Optional(enabled),
      },
      { additionalProperties: false },
    ),
  ],
  { description: "One rule: `path`, `header` (a staff secret) or `ip` (a CIDR range)." },
);

export const updateRuleBody = t.Object({ enabled: t.Optional(enabled), label: t.Optional(label) }, { additionalProperties: false, description: "What may change of a rule: whether it is on, and its label. A new secret, path or range is a new rule." });

export const ruleView = t.Object(
  {
    id: t.String({ description: "the rule's id" }),
    kind: t.Union([t.Literal("path"), t.Literal("header"), t.Literal("ip")]),
    label: t.String(),
    enabled: t.Boolean(),
    path: t.Union([t.String(), t.Null()], { description: "path rules: the prefix" }),
    cidr: t.Union([t.String(), t.Null()], { description: "ip rules: the range, as kept (host bits cleared)" }),
    uses: integer({ description: "requests the rule let through (counted in Redis by the edge; since Redis last lost it)" }),
    createdAt: t.String({ format: "date-time" }),
  },
  { description: "A bypass rule as kept. A header rule's secret is never shown again after it was created: only its hash is stored." },
);

export const bypassModels = new Elysia({ name: "models.bypass" }).model({
  "bypass.params": t.Object({ eventId: eventIdSchema }),
  "bypass.ruleParams": t.Object({ eventId: eventIdSchema, ruleId: t.String({ minLength: 1, maxLength: 40, pattern: "^[A-Za-z0-9_-]+$" }) }),
  "bypass.create": createRuleBody,
  "bypass.update": updateRuleBody,
  "bypass.rule": ruleView,
  "bypass.created": t.Object({ rule: ruleView, secret: t.Optional(t.String({ description: "header rules: the secret, shown this once" })) }, { description: "The new rule; a header rule's secret in clear this once." }),
  "bypass.rules": t.Object({ rules: t.Array(ruleView) }, { description: "The event's bypass rules, oldest first." }),
});

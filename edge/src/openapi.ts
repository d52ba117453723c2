/**
 * The edge's OpenAPI document, served at GET /openapi.json: the API apps integrate with
 * (join, status, the SSE stream and its events, claim, JWKS, health and readiness) and the rules of the
 * /api/* and /admin/* proxies to the origin. The origin's own routes are described by its
 * document (/swagger/json on the origin). Written by hand next to the routes it describes;
 * edge/test/openapi.test.ts lints it with Spectral and drives every operation against it.
 */
import { QUEUE_STATUSES } from "../../common/queue-state.ts";
import { WAITLIST_POLL } from "./routes/waitlist.ts";

/** plain JSON objects: the document is data, checked by Spectral and by the contract test rather than by types */
type Json = Record<string, unknown>;
type Responses = Json;
type Schema = Json;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema | { $ref: string }) => ({ "application/json": { schema } });
const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** An error answer: `{ code, message }` with the codes it may carry. */
function failure(description: string, codes: string[], headers: Record<string, unknown> = {}): Json {
  return {
    description: `${description} (code ${codes.join(", ")})`,
    headers,
    content: json({ allOf: [ref("Error")], properties: { code: { enum: codes } } } as Schema),
  };
}

/** A refusal that points at the waiting list: `waitlistUrl` says where to leave a request. */
function pointsToList(description: string, codes: string[]): Json {
  return {
    description: `${description} (code ${codes.join(", ")}); \`waitlistUrl\`: where to join the waiting list instead`,
    content: json({ allOf: [ref("Error")], properties: { code: { enum: codes }, waitlistUrl: { type: "string", description: "POST here to join the waiting list (open while the sale is sold out or the line stopped)" } } } as Schema),
  };
}

const rateLimited = failure("Too many calls for this ticket or client; wait Retry-After seconds", ["RATE_LIMITED"], { "Retry-After": header("RetryAfter") });
const unavailable = (codes: string[]) => failure("Redis cannot be reached, or the rate limiter cannot answer in time: fail closed; retry after Retry-After seconds", codes, { "Retry-After": header("RetryAfter") });
const noTicket = failure("No valid queue ticket for this event (none, forged, expired, another event's)", ["NO_TICKET"]);
const badPath = failure("The path is not canonical (dot segments, encoded slashes or NUL, doubled slashes) or the event id is malformed", ["BAD_PATH", "BAD_EVENT_ID"]);
const noEvent = failure("No waiting room for this event (or the event id is not 1-64 letters, digits, '-' or '_')", ["NO_SUCH_EVENT"]);

const PROOF_CODES = ["DPOP_REQUIRED", "DPOP_INVALID", "DPOP_WRONG_REQUEST", "DPOP_STALE", "DPOP_WRONG_TOKEN", "DPOP_REPLAYED"];
const proofNote =
  "A place or session bound to a device key (the ticket's or token's `cnf.jkt`) needs a `DPoP` proof by that key on every join, claim and /api call; " +
  "see the DPoP header and docs/HTTP.md, \"Device binding\".";
const proofRefused = (others: string[] = []) =>
  failure(
    `${others.length ? "No valid ticket or token, or the" : "The"} DPoP proof is missing for a bound ticket or token, or is not valid for this request (another method or URL, iat more than 60 s old or in the future, ath not the hash of the token sent, used before)` +
      (others.length ? "; the DPOP_* answers carry a WWW-Authenticate DPoP challenge" : ""),
    [...others, ...PROOF_CODES],
    // NO_TICKET comes without a challenge: there is no token to prove
    others.length ? {} : { "WWW-Authenticate": header("DPoPChallenge") },
  );
const deviceRefused = (others: string[] = []) =>
  failure(
    `${others.length ? "Refused: " + others.join(", ") + " as described, or" : "Refused:"} the place or session is bound to another device's key (DPOP_WRONG_KEY), or the sale requires a place bound to the device and this one is not (DEVICE_BINDING_REQUIRED)`,
    [...others, "DPOP_WRONG_KEY", "DEVICE_BINDING_REQUIRED"],
  );
const dpopParameter: Json = {
  name: "DPoP",
  in: "header",
  required: false,
  description:
    "A proof of possession of the fan's device key (RFC 9449): a compact JWS with header `typ: dpop+jwt`, `alg: ES256`, `jwk` (the public P-256 key) and claims " +
    "`htm` (this method), `htu` (this URL without query), `iat` (seconds; accepted for 60 s, and 5 s ahead), `jti` (16-64 base64url characters, never reused) and, " +
    "when a ticket or token is sent, `ath` (base64url SHA-256 of it). On a join it binds the new place to the key when the sale's deviceBinding is optional or required; " +
    "a bound ticket or token needs it on every join, claim and /api call.",
  schema: { type: "string", pattern: "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$" },
};

const eventIdParameter: Json = {
  name: "eventId",
  in: "path",
  required: true,
  description: "event id: 1-64 letters, digits, '-' or '_'",
  schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
};

const resumeCodeParameter: Json = {
  name: "code",
  in: "path",
  required: true,
  description: "the resume code: `<ticket id>.<signature>`, or `<ticket id>.<sealed>.<signature>` when the place carries an identity or a seat tier (encrypted: the link shows neither), signed by the edge for this event",
  schema: { type: "string", maxLength: 300 },
};

const turnCodeParameter: Json = {
  name: "code",
  in: "path",
  required: true,
  description: "the turn link's code: `<ticket id>.<a|d>.<signature>`, signed by the edge for this event and ticket (a: the link claims; d: the place is claimed on the device that joined)",
  schema: { type: "string", maxLength: 100 },
};

const fanView: Schema = {
  type: "object",
  description: "A waiting fan's place in line.",
  required: [
    "eventId",
    "ticketNumber",
    "status",
    "opensAt",
    "closesAt",
    "turnAfterClosing",
    "position",
    "ahead",
    "behind",
    "waiting",
    "waitTimeKnown",
    "waitTime",
    "waitTimeSeconds",
    "waitTimeFormatted",
    "queueIsFull",
    "queueAll",
    "inWaitingRoom",
    "lastUpdated",
    "refreshIntervalSeconds",
  ],
  properties: {
    eventId: { type: "string" },
    ticketNumber: { type: "integer", minimum: 1, description: "the fan's number in line (drawn by lot for fans who came during the pre-queue)" },
    status: ref("QueueStatus"),
    opensAt: { type: ["string", "null"], format: "date-time", description: "when the sale opens, for a pre-queue countdown" },
    closesAt: { type: ["string", "null"], format: "date-time", description: "when the sale closes (the organiser's closing time); null when none" },
    turnAfterClosing: { type: "boolean", description: "the wait estimate ends after closesAt: at the present rate the fan's turn would come after the sale closed" },
    position: { type: "integer", minimum: 1, description: "1 = next in line" },
    ahead: { type: "integer", minimum: 0 },
    behind: { type: "integer", minimum: 0 },
    waiting: { type: "integer", minimum: 0, description: "fans in line" },
    waitTimeKnown: { type: "boolean" },
    waitTime: { type: ["integer", "null"], description: "minutes, rounded up; null while unknown (not open, no admission rate yet)" },
    waitTimeSeconds: { type: ["integer", "null"] },
    waitTimeFormatted: { type: "string", examples: ["3 minutes", "less than a minute", "unknown"] },
    queueIsFull: { type: "boolean", description: "the line has reached the event's maxWaiting" },
    queueAll: { type: "boolean", const: true, description: "every fan waits in line (there is no bypass)" },
    inWaitingRoom: { type: "boolean", const: true },
    lastUpdated: { type: "string", format: "date-time", description: "when the line's state this view is drawn from was read, by Redis's own clock" },
    refreshIntervalSeconds: { type: "integer", minimum: 1, description: "how often a client without the stream should poll /status" },
    chance: {
      type: ["object", "null"],
      description:
        "The chance of getting a ticket at this position, from what the sale has left (the honest line): label `very likely` at 90 % or more, `unlikely` at 10 % or less, else `about` with text `about N %`. null before the sale opens and while no estimate is published.",
      required: ["percent", "label", "text"],
      properties: {
        percent: { type: "integer", minimum: 0, maximum: 100 },
        label: { type: "string", enum: ["very likely", "about", "unlikely"] },
        text: { type: "string", examples: ["very likely", "about 40 %", "unlikely"] },
      },
    },
    tiersRunningOut: {
      type: "array",
      items: { type: "string" },
      description: "tiers whose unsold seats the fans ahead have already declared (seat budgets, when the organiser set choiceMarginSeats): a fan who chose one is offered another before their turn",
    },
    choice: { oneOf: [ref("Choice"), { type: "null" }], description: "status and the stream's position event: the fan's declared choice (PUT /queue/{eventId}/choice), null without one; a change shows in the next position event" },
    ticket: { type: "string", description: "join only: the queue ticket, for apps that send X-Queue-Ticket instead of keeping the cookie" },
    admitted: { type: "boolean", const: false },
  },
};

const admittedView: Schema = {
  type: "object",
  description: "The fan's turn has come: claim it at claimUrl before claimDeadline.",
  required: ["eventId", "admitted", "claimUrl"],
  properties: {
    eventId: { type: "string" },
    ticketNumber: { type: "integer", minimum: 1 },
    ticket: { type: "string", description: "join only: the queue ticket" },
    inWaitingRoom: { type: "boolean", const: false },
    admitted: { type: "boolean", const: true },
    claimDeadline: { type: "string", format: "date-time", description: "status and the admitted event only" },
    claimUrl: { type: "string", examples: ["/queue/demo/claim"] },
  },
};

const restoringView: Schema = {
  type: "object",
  description:
    "The event's queue state is missing (Redis lost it and the line is being restored): the fan keeps their place, but no position is true yet, so none is given. " +
    "Poll again after refreshIntervalSeconds; once the line is back the fan is put back at their own number.",
  required: ["eventId", "ticketNumber", "status", "code", "message", "position", "inWaitingRoom", "admitted", "refreshIntervalSeconds"],
  properties: {
    eventId: { type: "string" },
    ticketNumber: { type: "integer", minimum: 0, description: "the number the fan's ticket carries" },
    status: { type: "string", const: "restoring" },
    code: { type: "string", const: "RESTORING" },
    message: { type: "string", examples: ["We are restoring the line; you keep your place."] },
    position: { type: "null", description: "no position while the line is being restored" },
    inWaitingRoom: { type: "boolean", const: true },
    admitted: { type: "boolean", const: false },
    refreshIntervalSeconds: { type: "integer", minimum: 1 },
  },
};

const health: Schema = {
  type: "object",
  description: "Whether the waiting room can serve fans now.",
  required: ["status", "redis", "registry", "restoring", "checkedAt"],
  properties: {
    status: { type: "string", enum: ["ok", "degraded"], description: "degraded: Redis cannot be reached, the registry of queues is missing, or a line is being restored" },
    redis: { type: "object", required: ["reachable"], properties: { reachable: { type: "boolean" } } },
    registry: {
      type: "object",
      required: ["present", "events"],
      description: "the registry of events with a waiting room (`cu:queues`); missing after Redis lost its data, until the origin restores it",
      properties: { present: { type: "boolean" }, events: { type: "integer", minimum: 0 } },
    },
    restoring: { type: "array", items: { type: "string" }, description: "events in the registry whose queue state has no status: their lines are being restored" },
    checkedAt: { type: "string", format: "date-time", description: "when this isolate checked (answers are reused for a second)" },
  },
};

const sseEvents = {
  position: { data: "FanView", description: "the fan's place changed (sent at once on connect, then only on change); its `id:` is the state version" },
  admitted: { data: "AdmittedEvent", description: "the fan's turn: claim before claimDeadline; the stream ends" },
  expired: { data: "ExpiredEvent", description: "the ticket is no longer in line (left, used, or its claim window passed); the stream ends" },
  closed: { data: "ClosedEvent", description: "the sale is over (sold out or closed); nobody else will be admitted; the stream ends" },
  moved: {
    data: "MovedEvent",
    description: "the place moved to another device (its resume link was opened there; the latest device to open it holds the place): this ticket no longer holds it; the stream ends",
  },
  restoring: {
    data: "RestoringEvent",
    description:
      "the event's queue state is missing or cannot be read (Redis lost it, or cannot be reached): no position is sent meanwhile; the stream stays open and sends `position` again once the line is restored (the fan back at their own number)",
  },
};

const proxyNote =
  "Forwarded to the origin (its document, /swagger/json, describes the body and the answers) with the fan's verified active token as `Authorization: Bearer`, " +
  "`X-Client-IP` (from CF-Connecting-IP), a fresh `X-Request-Id` and `X-Origin-Auth`. Stripped before forwarding: Cookie, the fan's own Authorization, Host, Forwarded, " +
  "X-Forwarded-*, X-Real-IP, True-Client-IP, X-Client-IP, X-Request-Id, X-Origin-Auth, X-Queue-Ticket, X-Event-Id, DPoP, CF-*, Content-Length and hop-by-hop headers. " +
  "The origin's answer comes back unchanged except for Set-Cookie and hop-by-hop headers (removed) and X-Request-Id (the id sent upstream).";

const forwardedAnswer = (what: string): Json => ({
  description: `The origin's answer: ${what}`,
  headers: { "X-Request-Id": header("RequestId") },
  content: json({ type: "object", description: "the origin's body, as its document says" }),
});

const forwardedError = (what: string): Json => ({
  description: `The origin's answer: ${what}`,
  headers: { "X-Request-Id": header("RequestId") },
  content: json(ref("Error")),
});

/** An error either the edge or the origin may give (the edge's own codes named): `{ code, message }`, code not restricted. */
function eitherFailure(description: string, headers: Record<string, unknown> = {}): Json {
  return { description, headers, content: json(ref("Error")) };
}

const proxyErrors: Responses = {
  "400": eitherFailure("The edge's EVENT_REQUIRED (several active-token cookies, no event named) or BAD_EVENT_ID, or the origin's refusal of the request (INVALID_REQUEST, INVALID_BODY, UNKNOWN_SEAT, ...)"),
  "401": failure("No valid active token for this event (the fan has not been admitted, or the token expired), or the token is bound to a device key and its DPoP proof is missing or not valid for this request; nothing is forwarded", ["NOT_ADMITTED", ...PROOF_CODES], {
    "WWW-Authenticate": header("WwwAuthenticate"),
  }),
  "403": eitherFailure("The edge's DPOP_WRONG_KEY (the token is bound to another device's key; nothing is forwarded), or the origin's refusal (SESSION_INACTIVE, ...)"),
  "404": eitherFailure("The edge's NOT_FOUND (not one of the origin's fan routes; nothing is forwarded) or the origin's (EVENT_NOT_FOUND, ORDER_NOT_FOUND)"),
  "405": failure("Method not allowed on this route; nothing is forwarded", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
  "413": eitherFailure("The body is over MAX_BODY_BYTES (64 KiB): BODY_TOO_LARGE"),
  "502": failure("The origin cannot be reached", ["ORIGIN_UNREACHABLE"], { "Retry-After": header("RetryAfter") }),
  "4XX": forwardedError("a refusal (403 SESSION_INACTIVE, 409 SEAT_HELD, 410 HOLD_EXPIRED, ...)"),
  "5XX": forwardedError("the origin could not serve the request"),
};

function fanProxy(summary: string, success: string, extra: Json = {}): Json {
  return {
    tags: ["proxy"],
    summary,
    description: `${proxyNote} ${proofNote}`,
    security: [{ activeTokenCookie: [] }, { activeToken: [] }],
    responses: { [success]: forwardedAnswer(summary), ...proxyErrors },
    ...extra,
    parameters: [dpopParameter, ...((extra.parameters as Json[] | undefined) ?? [])],
  };
}

const adminErrors: Responses = {
  "400": eitherFailure("The edge's BAD_EVENT_ID, or the origin's refusal of the request (INVALID_REQUEST, INVALID_BODY)"),
  "401": eitherFailure("ADMIN_KEY_INVALID: no `Authorization: Bearer` at all (the edge, with WWW-Authenticate), or a wrong key (the origin)"),
  "404": eitherFailure("The edge's NOT_FOUND (not one of the routes the organiser dashboard uses: event creation, refunds and capacity runs are not forwarded) or the origin's (QUEUE_NOT_FOUND, EVENT_NOT_FOUND)"),
  "405": failure("Method not allowed on this route", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
  "429": failure("Too many organiser calls from this IP for this event (ADMIN_LIMIT_PER_MINUTE)", ["RATE_LIMITED"], { "Retry-After": header("RetryAfter") }),
  "502": failure("The origin cannot be reached", ["ORIGIN_UNREACHABLE"], { "Retry-After": header("RetryAfter") }),
  "503": unavailable(["RATE_LIMIT_UNAVAILABLE"]),
  "4XX": forwardedError("a refusal (409 QUEUE_STATUS_CONFLICT, ...)"),
};

const adminNote =
  "Forwarded to the origin with the caller's own Authorization header (the origin checks the admin key), X-Client-IP, a fresh X-Request-Id and X-Origin-Auth; " +
  "every call counts against a per-IP limit per event (fail closed). Answers carry Cache-Control: no-store.";

const templateKindParameter = { name: "kind", in: "path", required: true, description: "the line's state the page is for", schema: { type: "string", enum: ["waiting", "prequeue", "paused", "soldout", "closed"] } };
const langParameter = { name: "lang", in: "query", required: false, description: "the page's language (en, ko), remembered in the cu_lang cookie; default: the cookie, then Accept-Language, then English", schema: { type: "string", enum: ["en", "ko"] } };

function adminProxy(summary: string, body?: string): Json {
  return {
    tags: ["organiser"],
    summary,
    description: adminNote,
    security: [{ adminKey: [] }],
    parameters: [eventIdParameter],
    ...(body ? { requestBody: { required: body === "required", content: json({ type: "object", description: "as the origin's document says" }) } } : {}),
    responses: { "200": forwardedAnswer("the waiting room, dashboard or stats"), ...adminErrors },
  };
}

export const edgeOpenApi: Json = {
  openapi: "3.1.0",
  info: {
    title: "Concert-U edge",
    version: "1.0.0",
    description:
      "The waiting room every fan and app talks to. A fan joins the line (POST /queue/{eventId}/join) and gets a queue ticket (cookie `cu_q_<eventId>`, or sent back as " +
      "`X-Queue-Ticket`), follows their place on the SSE stream (or polls /status), and when admitted claims their turn (POST /queue/{eventId}/claim) for an active token " +
      "(cookie `cu_act_<eventId>`, or `Authorization: Bearer`). With it, /api/* is forwarded to the origin, whose own document describes those routes. " +
      "Errors answer `{ code, message }`. The HTML pages (/events/{eventId}, /organiser/events/{eventId}) are for browsers and not described here; the waiting page " +
      "answers a fan in line with the organiser's `queueingStatusCode` (200, 202 or 429), and sends a fan standby lets straight through to the sale (303 with the active token's cookie).",
    contact: { name: "Concert-U" },
  },
  servers: [{ url: "http://127.0.0.1:8787", description: "local edge (`bun run dev`)" }],
  tags: [
    { name: "queue", description: "Join the line, follow your place, claim your turn" },
    { name: "tokens", description: "Keys to verify active tokens" },
    { name: "proxy", description: "Admitted fans' calls, forwarded to the origin" },
    { name: "organiser", description: "The organiser dashboard's calls, forwarded to the origin" },
    { name: "health", description: "Probes and this document" },
  ],
  paths: {
    "/queue/{eventId}/join": {
      post: {
        tags: ["queue"],
        operationId: "join",
        summary: "Join the line, or find your place again",
        description:
          "Takes no body, or `{\"accessCode\": \"<code>\", \"identityProof\": \"<proof>\"}` (each optional). Without a valid ticket for this event the caller gets a new place at the back (201) and a ticket; new joins are limited per client IP " +
          "(JOIN_LIMIT_PER_MINUTE, fail closed). With one, the same place (200), or `admitted: true` once the turn has come. When the organiser asks a proof-of-work " +
          "before a new place (`challenge: pow`), a new place also needs a solution of GET /queue/{eventId}/challenge in X-Challenge-Solution; each solution buys one " +
          "place, once, and is spent only when it does. With `challenge: turnstile`, the token of Cloudflare's Turnstile widget goes in X-Turnstile-Token instead " +
          "(checked with siteverify; one place per token). Without a good one the join is refused (403), or, when the organiser chose the infinite queue, answered " +
          "like a new place that never moves and can never be claimed. Apps that may meet such an event solve first; a fan who holds a place needs no solution to keep it. " +
          "An access code (the organiser's, POST /admin/events/{eventId}/access-codes) is redeemed only for a new place: one use per place, atomically (of many fans racing with " +
          "one code, exactly as many as it has uses get one), recorded in the origin's MySQL before the place is given; a fan who keeps a place spends none. Attempts are limited " +
          "per client IP (CODE_ATTEMPTS_PER_MINUTE, fail closed). In an invite-only room a new place needs a code: without one, 403 INVITE_ONLY. " +
          "With a DPoP proof, in a sale whose deviceBinding is optional or required, the new place is bound to the proof's key; with required, a join without one is refused. " +
          "Staff: with the secret of one of the event's bypass rules in X-Concert-U-Bypass, or from a client IP in one of its ranges, the caller gets a staff session at once " +
          "(200 StaffSession: an active token, no number, no claim, outside the line and not counted against maxActive); a wrong secret is answered as no header. " +
          "When the organiser turned standby on (queue only when needed) and traffic is under both thresholds, a new fan is let straight through: 201 with `admitted: true` " +
          "and a ticket to claim at once (POST /queue/{eventId}/claim), no waiting place. " +
          "When the organiser asks who the fan is (`identity`: email, passkey or either), a new place needs the proof of POST /queue/{eventId}/identity/... in " +
          "`identityProof`: the identity's hash goes into the ticket (`cus`) and the session's active token, so tickets per customer counts per person; one identity holds " +
          "one place in the line (waiting, or admitted and not claimed): a second new place is 409 IDENTITY_IN_LINE, whatever device or network it comes from. " +
          proofNote,
        parameters: [
          eventIdParameter,
          dpopParameter,
          {
            name: "X-Challenge-Solution",
            in: "header",
            required: false,
            description: "the solved challenge: base64 of the JSON `{algorithm, challenge, number, salt, signature}` (the ALTCHA payload), `number` being the one found",
            schema: { type: "string", maxLength: 4096 },
          },
          {
            name: "X-Concert-U-Bypass",
            in: "header",
            required: false,
            description: "a staff secret of one of the event's bypass rules (POST /admin/events/{eventId}/bypass-rules): a staff session at once; any other value is ignored",
            schema: { type: "string", maxLength: 200 },
          },
          {
            name: "X-Turnstile-Token",
            in: "header",
            required: false,
            description: "the token of the Turnstile widget, for an event whose challenge is `turnstile`",
            schema: { type: "string", maxLength: 2048 },
          },
        ],
        security: [{}, { queueTicketCookie: [] }, { queueTicket: [] }],
        requestBody: {
          required: false,
          content: json({
            type: "object",
            additionalProperties: false,
            properties: {
              accessCode: { type: "string", maxLength: 80, description: "an access code: 4-64 letters, digits or '-' (case and spaces do not matter)" },
              identityProof: { type: "string", maxLength: 1500, description: "the proof of the identity step (POST /queue/{eventId}/identity/email/verify, .../passkey/register or .../passkey/login), for a sale that asks one" },
            },
          }),
        },
        responses: {
          "201": {
            description: "A new place in line, or (standby, under the thresholds) a new ticket whose turn is already here",
            headers: { "Set-Cookie": header("TicketCookie") },
            content: json({ oneOf: [ref("FanView"), ref("AdmittedView")] }),
          },
          "200": { description: "The place this ticket already has, the news that its turn has come, or (staff) a staff session", content: json({ oneOf: [ref("FanView"), ref("AdmittedView"), ref("StaffSession")] }) },
          "400": badPath,
          "401": proofRefused(),
          "404": noEvent,
          "405": failure("Use POST", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
          "403": failure(
            "The place is bound to another device's key (DPOP_WRONG_KEY) or the sale requires a bound place (DEVICE_BINDING_REQUIRED); the room is invite-only and no access code came (INVITE_ONLY), or the code gives no place: unknown or revoked, used up, outside its window (ACCESS_CODE_*); or " +
              "the event asks a proof-of-work before a new place: none was sent (CHALLENGE_REQUIRED); it is not readable, not this edge's, not solved, expired, another " +
              "event's or spent (CHALLENGE_FAILED); or it is easier than this client IP needs now, having joined fast (CHALLENGE_HARDER: solve one of at least " +
              "X-Challenge-Difficulty, GET /queue/{eventId}/challenge?min=<it>). Challenge refusals carry the X-Challenge-Difficulty header: with CHALLENGE_HARDER the " +
              "difficulty this client IP needs now, otherwise 0; or the sale asks an identity and no good proof came (IDENTITY_REQUIRED: none, forged, expired, another event's, or a kind it does not take)",
            ["CHALLENGE_REQUIRED", "CHALLENGE_FAILED", "CHALLENGE_HARDER", "INVITE_ONLY", "ACCESS_CODE_INVALID", "ACCESS_CODE_USED_UP", "ACCESS_CODE_NOT_VALID_NOW", "DPOP_WRONG_KEY", "DEVICE_BINDING_REQUIRED", "IDENTITY_REQUIRED"]
          ),
          "409": pointsToList("No new place: the seats left are expected to go to fans already in line (the organiser's minChance; a caller with a valid ticket keeps its place), or the proof's identity holds a place in this line already (IDENTITY_IN_LINE)", ["LINE_STOPPED", "IDENTITY_IN_LINE"]),
          "410": pointsToList("The sale has ended (sold out or closed)", ["SALE_ENDED"]),
          "429": failure("Too many new joins, or access codes tried, from this client IP; wait Retry-After seconds", ["RATE_LIMITED"], { "Retry-After": header("RetryAfter") }),
          "503": unavailable(["QUEUE_FULL", "RATE_LIMIT_UNAVAILABLE", "UNAVAILABLE", "RESTORING", "CHALLENGE_UNAVAILABLE", "ORIGIN_UNREACHABLE", "ACCESS_CODE_UNAVAILABLE"]),
        },
      },
    },
    ...identityPaths(),
    "/queue/{eventId}/challenge": {
      get: {
        tags: ["queue"],
        operationId: "challenge",
        summary: "A proof-of-work challenge for a new place",
        description:
          "An ALTCHA challenge (altcha-lib's v1 protocol), signed by the edge and checked offline at the join: find the integer `number` in [0, maxnumber] with " +
          "SHA-256(salt + number) = challenge (hex), then join with base64(JSON {algorithm, challenge, number, salt, signature}) in X-Challenge-Solution before " +
          "`expiresAt`. The salt names the event and the difficulty. Difficulty = maxnumber: POW_DIFFICULTY, doubled for each new place past POW_FREE_PLACES that the " +
          "client IP took within the join limiter's minute (enforced at the join), and for a network (IPv4 /24, IPv6 /64) doubled for each POW_FREE_NETWORK " +
          "challenges it was issued within the minute (per isolate); at most POW_MAX_DIFFICULTY. Costs no Redis call.",
        parameters: [
          eventIdParameter,
          { name: "min", in: "query", required: false, description: "the least difficulty wanted (what a CHALLENGE_HARDER answer asked)", schema: { type: "integer", minimum: 0 } },
        ],
        responses: {
          "200": { description: "A challenge", content: json(ref("Challenge")) },
          "400": failure("`min` is not a whole number, or above POW_MAX_DIFFICULTY; or the path is not canonical", ["BAD_DIFFICULTY", "BAD_PATH"]),
          "404": noEvent,
          "405": failure("Use GET", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
        },
      },
    },
    "/queue/{eventId}/status": {
      get: {
        tags: ["queue"],
        operationId: "status",
        summary: "Your place in line, for clients that poll",
        description:
          "The same view the stream's `position` event carries; poll every refreshIntervalSeconds. Polling keeps the place (presence). While the line is being restored " +
          "the answer is a RestoringView (status `restoring`, position null), never a position; a poll after the restore puts the fan back at their own number.",
        parameters: [eventIdParameter],
        security: [{ queueTicketCookie: [] }, { queueTicket: [] }],
        responses: {
          "200": { description: "Waiting, admitted, or waiting while the line is being restored", content: json({ oneOf: [ref("FanView"), ref("AdmittedView"), ref("RestoringView")] }) },
          "400": badPath,
          "401": noTicket,
          "404": noEvent,
          "409": failure("This ticket's place moved to another device (its resume link was opened there)", ["PLACE_MOVED"]),
          "410": failure("This ticket is no longer in line: it left, was used, or its claim window passed; join again", ["LEFT_QUEUE"]),
          "429": rateLimited,
          "503": unavailable(["UNAVAILABLE"]),
        },
      },
    },
    "/events/{eventId}/preview/{kind}": {
      get: {
        tags: ["organiser"],
        operationId: "previewPageTemplate",
        summary: "The organiser's page for one state of the line, as a fan sees it, with sample values (position 42, a 3-minute wait)",
        description: "Sanitised, in the fan's language (`?lang=`, Accept-Language), under the strict policy; no script, no place taken. The page is the one every fan of the event is shown, so no key is asked.",
        parameters: [eventIdParameter, templateKindParameter, langParameter],
        security: [],
        responses: {
          "200": { description: "The preview (HTML)", headers: { "Cache-Control": header("NoStore") }, content: { "text/html": { schema: { type: "string" } } } },
          "400": badPath,
          "404": failure("No such event, page kind, or the event has no page of its own for it", ["NO_SUCH_EVENT", "NO_SUCH_TEMPLATE"]),
          "405": failure("Use GET", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
        },
      },
    },
    "/queue/{eventId}/resume/{code}": {
      get: {
        tags: ["queue"],
        operationId: "resumePage",
        summary: "The resume link: a page that asks before moving the place to this device",
        description:
          "The link the waiting page shows (as text and as a QR code) to put the fan's waiting place on another device. Opening it moves nothing (a link preview or a " +
          "prefetch is harmless): the page's button POSTs to the same path.",
        parameters: [eventIdParameter, resumeCodeParameter],
        security: [],
        responses: {
          "200": { description: "The page (HTML)", headers: { "Cache-Control": header("NoStore") }, content: { "text/html": { schema: { type: "string" } } } },
          "400": badPath,
          "404": { description: "The code is not a resume link of this event (HTML page)", content: { "text/html": { schema: { type: "string" } } } },
          "405": failure("Use GET or POST", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
        },
      },
      post: {
        tags: ["queue"],
        operationId: "resume",
        summary: "Move the waiting place to this device",
        description:
          "Takes no body. The place's number passes to a fresh ticket, set as this browser's ticket cookie and returned; the ticket that held it is told " +
          "(its stream's `moved` event; PLACE_MOVED from /status). Only one device holds a place at a time: the latest one to open the link. Only a waiting place moves. " +
          "The device now holding the place shows a resume link of its own; after Redis lost the line, whichever of the two tickets comes back first is put back at the number. " +
          "The new ticket keeps the identity the place was proved with (`cus`) and the seat tier its access code unlocked (`tier`), both sealed into the link (encrypted and signed), so the identity still holds one place and the session still holds only that tier's seats. " +
          "With a `DPoP` proof (no `ath`: no ticket is sent) the new ticket is bound to the proof's key when the sale's deviceBinding is optional or required; " +
          "in a required sale a move without one is refused before anything moves (DEVICE_BINDING_REQUIRED).",
        parameters: [eventIdParameter, resumeCodeParameter, dpopParameter],
        security: [],
        responses: {
          "200": { description: "The place is on this device now", headers: { "Set-Cookie": header("TicketCookie") }, content: json(ref("Resumed")) },
          "400": badPath,
          "401": failure("The DPoP proof is not valid for this request (another method or URL, iat more than 60 s old or in the future, an ath though no ticket is sent, used before): nothing moved", PROOF_CODES.filter((c) => c !== "DPOP_REQUIRED"), { "WWW-Authenticate": header("DPoPChallenge") }),
          "403": failure("The sale requires a place bound to the device and the move brought no DPoP proof: nothing moved", ["DEVICE_BINDING_REQUIRED"]),
          "404": failure("The code is not a resume link of this event", ["RESUME_LINK_INVALID", "NO_SUCH_EVENT"]),
          "409": failure("The link's place moved on to another device since (PLACE_MOVED), or its turn has come (ALREADY_ADMITTED: claim it on the device that holds it)", [
            "PLACE_MOVED",
            "ALREADY_ADMITTED",
          ]),
          "410": failure("The link's ticket is no longer in line: it left, was used, or its claim window passed", ["LEFT_QUEUE"]),
          "429": rateLimited,
          "503": failure("Redis cannot be reached, or the line is being restored: nothing moved; try again after Retry-After seconds", ["UNAVAILABLE", "RESTORING"], {
            "Retry-After": header("RetryAfter"),
          }),
        },
      },
    },
    "/queue/{eventId}/notify": {
      post: {
        tags: ["queue"],
        operationId: "leaveAddress",
        summary: "Leave an address for the turn email (optional)",
        description:
          "A waiting place leaves the address its turn email goes to: when the scheduler admits the ticket, the origin mails a link that claims the turn " +
          "(GET/POST /queue/{eventId}/turn/{code}) and states the claim deadline. The latest address a ticket left counts; it is deleted once the mail is taken for sending, " +
          "and at the latest when the ticket could no longer live. The answer is the same whether or not the ticket left an address before. " +
          "Limited per ticket and per client IP (TURN_MAIL_LIMIT_PER_MINUTE each). Only sent when the origin has SMTP_HOST (docs/COME-BACK.md).",
        parameters: [eventIdParameter],
        security: [{ queueTicketCookie: [] }, { queueTicket: [] }],
        requestBody: {
          required: true,
          content: json({
            type: "object",
            additionalProperties: false,
            required: ["email"],
            properties: { email: { type: "string", maxLength: 254, description: "an email address (local@domain, a dotted domain)" } },
          }),
        },
        responses: {
          "202": { description: "Kept with the place", content: json({ type: "object", required: ["eventId", "message"], properties: { eventId: { type: "string" }, message: { type: "string" } } }) },
          "400": failure("The body is not `{email}` (INVALID_BODY), or the address is not one (INVALID_EMAIL), or the path is not canonical", ["INVALID_BODY", "INVALID_EMAIL", "BAD_PATH"]),
          "401": failure("No valid queue ticket for this event", ["NO_TICKET"]),
          "404": noEvent,
          "405": failure("Use POST", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
          "409": failure("The ticket is not waiting: its turn came, or it left the line", ["NOT_WAITING"]),
          "429": rateLimited,
          "503": failure("Redis cannot be reached; try again after Retry-After seconds", ["UNAVAILABLE"], { "Retry-After": header("RetryAfter") }),
        },
      },
    },
    "/queue/{eventId}/turn/{code}": {
      get: {
        tags: ["queue"],
        operationId: "turnLinkPage",
        summary: "The turn email's link: a page that asks before claiming the turn",
        description:
          "Opening it claims nothing (a mail scanner or a link preview is harmless): the page shows the claim window counting down and its button POSTs to the same path. " +
          "A link whose turn was claimed (409), whose claim window passed (410), or that is not a turn link of this event (404) shows a page that says so.",
        parameters: [eventIdParameter, turnCodeParameter],
        security: [],
        responses: {
          "200": { description: "The page (HTML)", headers: { "Cache-Control": header("NoStore") }, content: { "text/html": { schema: { type: "string" } } } },
          "400": badPath,
          "404": { description: "Not a turn link of this event (HTML page)", content: { "text/html": { schema: { type: "string" } } } },
          "405": failure("Use GET or POST", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
          "409": { description: "The turn was claimed already, has not come, or is claimed on the device that joined (HTML page)", content: { "text/html": { schema: { type: "string" } } } },
          "410": { description: "The claim window passed (HTML page)", content: { "text/html": { schema: { type: "string" } } } },
          "503": failure("Redis cannot be reached; try again after Retry-After seconds", ["UNAVAILABLE"], { "Retry-After": header("RetryAfter") }),
        },
      },
      post: {
        tags: ["queue"],
        operationId: "turnLinkClaim",
        summary: "Claim the turn with the turn email's link, once, within the claim window",
        description:
          "Takes no body and needs no ticket: the link names it. As POST /queue/{eventId}/claim: sets the active-token cookie (and clears a ticket cookie), the page then opens the sale.",
        parameters: [eventIdParameter, turnCodeParameter],
        security: [],
        responses: {
          "200": { description: "Your session", headers: { "Set-Cookie": header("ActiveCookie") }, content: json(ref("Claimed")) },
          "400": badPath,
          "404": failure("Not a turn link of this event: another event's, or forged", ["TURN_LINK_INVALID", "NO_SUCH_EVENT"]),
          "409": failure("The link was used already (TURN_LINK_USED), the turn has not come (NOT_YOUR_TURN), or the place is claimed on the device that joined (DEVICE_BOUND)", [
            "TURN_LINK_USED",
            "NOT_YOUR_TURN",
            "DEVICE_BOUND",
          ]),
          "410": failure("The claim window passed before the turn was claimed", ["CLAIM_EXPIRED"]),
          "429": rateLimited,
          "503": failure("Redis cannot be reached, or the line is being restored; try again after Retry-After seconds", ["UNAVAILABLE", "RESTORING"], { "Retry-After": header("RetryAfter") }),
        },
      },
    },
    "/queue/{eventId}/events": {
      get: {
        tags: ["queue"],
        operationId: "events",
        summary: "Your place in line as Server-Sent Events",
        description:
          "A `text/event-stream`. Events (each `data:` is one JSON object): " +
          Object.entries(sseEvents)
            .map(([name, e]) => `\`${name}\` (${e.data}): ${e.description}`)
            .join("; ") +
          ". A `: heartbeat` comment comes at least every HEARTBEAT_SECONDS (at most 15 s) and `retry: 3000` opens the stream. A stream opened during a pre-queue ends " +
          "when the sale opens, so the client reconnects and reads its drawn number. A ticket already admitted or gone when the stream connects gets its final event " +
          "at once (or 204 No Content: nothing more will come; read /status). When Redis cannot be reached the stream still opens (200) with a `restoring` event and keeps " +
          "trying, so a standard EventSource never gives up. The data schemas are components FanView, AdmittedEvent, ExpiredEvent, ClosedEvent, MovedEvent and RestoringEvent " +
          "(listed under x-sse-events).",
        parameters: [eventIdParameter],
        security: [{ queueTicketCookie: [] }, { queueTicket: [] }],
        "x-sse-events": Object.fromEntries(Object.entries(sseEvents).map(([name, e]) => [name, { description: e.description, data: ref(e.data) }])),
        responses: {
          "200": {
            description: "The stream",
            headers: { "Cache-Control": header("NoStore") },
            content: { "text/event-stream": { schema: { type: "string", description: "event: <name>\\ndata: <JSON>\\n\\n frames, as listed above" } } },
          },
          "204": { description: "The ticket was already admitted or gone when the stream connected: nothing will come (read /status for which)" },
          "400": badPath,
          "401": noTicket,
          "404": noEvent,
          "429": rateLimited,
        },
      },
    },
    "/queue/{eventId}/choice": {
      put: {
        tags: ["queue"],
        operationId: "declareChoice",
        summary: "Say which seats you want when your turn comes",
        description:
          "While the ticket waits: how many seats and a tier or a price cap, checked against the event's per-order limit and tiers and kept with the ticket (a later PUT replaces it). " +
          "With the organiser's seat budgets (choiceMarginSeats) admission counts these seats per tier; at the claim the best available seats matching the choice are held at once. " +
          "Once admitted the choice no longer changes (409 NOT_WAITING). " +
          proofNote,
        parameters: [eventIdParameter, dpopParameter],
        security: [{ queueTicketCookie: [] }, { queueTicket: [] }],
        requestBody: { required: true, content: json(ref("Choice")) },
        responses: {
          "200": {
            description: "The choice is kept",
            content: json({ type: "object", required: ["eventId", "ticketNumber", "choice"], properties: { eventId: { type: "string" }, ticketNumber: { type: "integer" }, choice: ref("Choice") } }),
          },
          "400": failure("The body is not a choice, the quantity is over the per-order limit, the tier is unknown, or no seat is priced under the cap", ["INVALID_REQUEST", "QUANTITY_OVER_LIMIT", "UNKNOWN_TIER", "NO_SEATS_UNDER_PRICE", "BAD_PATH"]),
          "401": proofRefused(["NO_TICKET"]),
          "403": deviceRefused([]),
          "404": noEvent,
          "405": failure("Use PUT", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
          "409": failure("The ticket is not in line any more (its turn came, or it left): choose on the sale page", ["NOT_WAITING"]),
          "429": rateLimited,
          "503": failure("Redis cannot be reached", ["UNAVAILABLE"], { "Retry-After": header("RetryAfter") }),
        },
      },
    },
    "/queue/{eventId}/claim": {
      post: {
        tags: ["queue"],
        operationId: "claim",
        summary: "Claim your turn: an admitted ticket becomes a session and its active token, once",
        description:
          "Takes no body. Sets the active-token cookie and clears the ticket cookie; apps use `activeToken` as `Authorization: Bearer` on /api/*. " +
          "A bound ticket's session is bound to the same key (`cnf.jkt`). " +
          proofNote,
        parameters: [eventIdParameter, dpopParameter],
        security: [{ queueTicketCookie: [] }, { queueTicket: [] }],
        responses: {
          "200": { description: "Your session", headers: { "Set-Cookie": header("ActiveCookie") }, content: json(ref("Claimed")) },
          "400": badPath,
          "401": proofRefused(["NO_TICKET"]),
          "403": deviceRefused(["NOT_ADMITTED"]),
          "404": noEvent,
          "405": failure("Use POST", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
          "409": failure("The turn has not come yet; keep waiting", ["NOT_YOUR_TURN"]),
          "410": failure("The turn passed before it was claimed; join again", ["CLAIM_EXPIRED"]),
          "429": rateLimited,
          "503": failure(
            "Redis cannot be reached (UNAVAILABLE), or the line is being restored after Redis lost it (RESTORING: the turn is kept; claim again after Retry-After seconds)",
            ["UNAVAILABLE", "RESTORING"],
            { "Retry-After": header("RetryAfter") },
          ),
        },
      },
    },
    "/queue/{eventId}/waitlist": {
      post: {
        tags: ["queue"],
        operationId: "joinWaitlist",
        summary: "Join the waiting list after sell-out (or when the line has stopped): a ticket and a place on the list",
        description:
          "Body `{quantity, tier?, contact?}`. One entry per ticket: a caller bringing a ticket (header or cookie) that is on the list gets its entry back (200). " +
          "Seats that come back (refunds, holds that ran out) are offered to the entries in order, each to the first whose request they can serve; GET this path to see the offer and claim it at /queue/{eventId}/claim. " +
          "Limited per client IP like joins (JOIN_LIMIT_PER_MINUTE, fail closed). " +
          "In a sale whose deviceBinding is optional or required, a DPoP proof binds the list's ticket to its key (the offer is then claimed with that key's proof); with required, a join without one is refused; a held bound ticket needs its own key's proof. " +
          proofNote,
        parameters: [eventIdParameter, dpopParameter],
        requestBody: {
          required: true,
          content: json({
            type: "object",
            additionalProperties: false,
            required: ["quantity"],
            properties: {
              quantity: { type: "integer", minimum: 1, maximum: 20, description: "seats wanted (at most the event's per-order limit)" },
              tier: { type: "string", pattern: "^[A-Za-z0-9 _-]{1,32}$", description: "the tier wanted; absent = any" },
              contact: { type: "string", minLength: 1, maxLength: 200, pattern: "^[^|\\u0000-\\u001f\\u007f]+$", description: "how the organiser may reach you" },
            },
          } as Schema),
        },
        responses: {
          "200": { description: "Your entry, already on the list", content: json(ref("WaitlistJoined")) },
          "201": { description: "A new entry; the ticket cookie is set", headers: { "Set-Cookie": header("TicketCookie") }, content: json(ref("WaitlistJoined")) },
          "400": failure("The body is not {quantity, tier?, contact?} as described, or asks more seats than one order may have", ["INVALID_BODY", "TOO_MANY_SEATS", "BAD_PATH", "BAD_EVENT_ID"]),
          "401": proofRefused(),
          "403": deviceRefused(),
          "404": noEvent,
          "405": failure("Use GET or POST", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
          "409": failure("The sale is neither sold out nor stopped: join the line instead", ["WAITLIST_NOT_OPEN"]),
          "410": failure("The sale is closed", ["SALE_ENDED"]),
          "429": rateLimited,
          "503": failure("Redis cannot be reached, the rate limiter cannot answer, or the line or list is being restored", ["UNAVAILABLE", "RATE_LIMIT_UNAVAILABLE", "RESTORING"], { "Retry-After": header("RetryAfter") }),
        },
      },
      get: {
        tags: ["queue"],
        operationId: "waitlistStatus",
        summary: "Where your waiting-list entry is: waiting (position), offered (seats and claim deadline), claimed or passed",
        description: "With the entry's ticket (X-Queue-Ticket or the cookie). An offer holds its seats for you until `claimDeadline`; claim it at /queue/{eventId}/claim, then buy the hold as any admitted fan does.",
        parameters: [eventIdParameter],
        security: [{ queueTicketCookie: [] }, { queueTicket: [] }],
        responses: {
          "200": { description: "Your entry", content: json(ref("WaitlistEntry")) },
          "400": badPath,
          "401": noTicket,
          "404": failure("This ticket is not on the waiting list, or there is no such event", ["NOT_ON_WAITLIST", "NO_SUCH_EVENT"]),
          "405": failure("Use GET or POST", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
          "429": rateLimited,
          "503": failure("Redis cannot be reached", ["UNAVAILABLE"], { "Retry-After": header("RetryAfter") }),
        },
      },
    },
    "/queue/{eventId}/extend": {
      post: {
        tags: ["queue"],
        operationId: "extendClaim",
        summary: "More time to claim your turn, once (accessible timing, WCAG 2.2.1)",
        description:
          "Takes no body. An admitted ticket not claimed yet gets the event's extensionSeconds more on its claim deadline, once, from the event's budget of extra time over all fans (holds take from the same budget: POST /api/events/{eventId}/holds/{holdId}/extend). " +
          proofNote,
        parameters: [eventIdParameter, dpopParameter],
        security: [{ queueTicketCookie: [] }, { queueTicket: [] }],
        responses: {
          "200": { description: "The new claim deadline", content: json(ref("Extended")) },
          "400": badPath,
          "401": proofRefused(["NO_TICKET"]),
          "403": deviceRefused(["NOT_ADMITTED"]),
          "404": noEvent,
          "405": failure("Use POST", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
          "409": failure(
            "No extension: the event gives none (EXTENSIONS_OFF), this turn had its one (ALREADY_EXTENDED), or the event's budget of extra time is used up (EXTENSION_BUDGET_USED)",
            ["EXTENSIONS_OFF", "ALREADY_EXTENDED", "EXTENSION_BUDGET_USED"],
          ),
          "410": failure("The turn passed before it was claimed; join again", ["CLAIM_EXPIRED"]),
          "429": rateLimited,
          "503": failure(
            "Redis cannot be reached (UNAVAILABLE), or the line is being restored after Redis lost it (RESTORING: the turn is kept)",
            ["UNAVAILABLE", "RESTORING"],
            { "Retry-After": header("RetryAfter") },
          ),
        },
      },
    },
    "/.well-known/jwks.json": {
      get: {
        tags: ["tokens"],
        operationId: "jwks",
        summary: "Public keys of the active tokens",
        description: "Every key id still accepted (ES256), so the origin or an app can verify active tokens. Cached for 300 s.",
        security: [],
        responses: {
          "200": { description: "A JSON Web Key Set", headers: { "Cache-Control": header("PublicCache") }, content: json(ref("Jwks")) },
          "405": failure("Use GET", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
        },
      },
    },
    "/healthz": {
      get: {
        tags: ["health"],
        operationId: "healthz",
        summary: "Liveness",
        description: "Answers `ok`, touching neither Redis nor the origin.",
        security: [],
        responses: { "200": { description: "The Worker runs", content: { "text/plain": { schema: { type: "string", const: "ok" } } } } },
      },
    },
    "/health": {
      get: {
        tags: ["health"],
        operationId: "health",
        summary: "Readiness: can the waiting room serve fans now",
        description:
          "Checks that Redis answers, that the registry of events with a waiting room exists, and that every event in it has a queue status (a missing one is a line " +
          "being restored after Redis lost it). 503 while any of these fails. Each isolate checks at most once a second.",
        security: [],
        responses: {
          "200": { description: "Everything the waiting room needs is there", headers: { "Cache-Control": header("NoStore") }, content: json(ref("Health")) },
          "405": failure("Use GET", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
          "503": { description: "Degraded: Redis cannot be reached, the registry is missing, or a line is being restored", headers: { "Retry-After": header("RetryAfter") }, content: json(ref("Health")) },
        },
      },
    },
    "/openapi.json": {
      get: {
        tags: ["health"],
        operationId: "openapi",
        summary: "This document",
        description: "The edge's OpenAPI 3.1 document.",
        security: [],
        responses: {
          "200": { description: "This document", headers: { "Cache-Control": header("PublicCache") }, content: json({ type: "object", required: ["openapi", "info", "paths"] }) },
          "405": failure("Use GET", ["METHOD_NOT_ALLOWED"], { Allow: header("Allow") }),
        },
      },
    },
    "/api/events/{eventId}": { parameters: [eventIdParameter], get: fanProxy("Event details and price tiers", "200", { operationId: "apiEvent" }) },
    "/api/events/{eventId}/seats": { parameters: [eventIdParameter], get: fanProxy("The seat map", "200", { operationId: "apiSeats" }) },
    "/api/events/{eventId}/seats/status": { parameters: [eventIdParameter], get: fanProxy("Every seat's status as one letter", "200", { operationId: "apiSeatStatus" }) },
    "/api/events/{eventId}/holds": {
      parameters: [eventIdParameter],
      get: fanProxy("Your current holds", "200", { operationId: "apiListHolds" }),
      post: fanProxy("Hold seats", "201", { operationId: "apiHold", requestBody: { required: true, content: json({ type: "object", description: "`{ seatIds }`, as the origin's document says" }) } }),
    },
    "/api/events/{eventId}/holds/best-available": {
      parameters: [eventIdParameter],
      post: fanProxy("Hold the best available seats", "201", {
        operationId: "apiHoldBest",
        requestBody: { required: true, content: json({ type: "object", description: "`{ quantity, tier?, maxPriceCents? }`, as the origin's document says" }) },
      }),
    },
    "/api/events/{eventId}/holds/{holdId}": {
      parameters: [eventIdParameter, { name: "holdId", in: "path", required: true, schema: { type: "string" } }],
      delete: fanProxy("Release a hold", "200", { operationId: "apiRelease" }),
    },
    "/api/events/{eventId}/holds/{holdId}/purchase": {
      parameters: [eventIdParameter, { name: "holdId", in: "path", required: true, schema: { type: "string" } }],
      post: fanProxy("Buy the seats of a hold", "201", {
        operationId: "apiPurchase",
        parameters: [{ name: "Idempotency-Key", in: "header", required: true, schema: { type: "string", minLength: 1, maxLength: 128 }, description: "forwarded as it is" }],
        requestBody: { required: false, content: json({ type: "object", description: "`{ paymentMethod }`, as the origin's document says" }) },
      }),
    },
    "/api/events/{eventId}/holds/{holdId}/extend": {
      parameters: [eventIdParameter, { name: "holdId", in: "path", required: true, schema: { type: "string" } }],
      post: fanProxy("More time on a hold, once (accessible timing)", "200", { operationId: "apiExtendHold" }),
    },
    "/api/events/{eventId}/holds/{holdId}/seats": {
      parameters: [eventIdParameter, { name: "holdId", in: "path", required: true, schema: { type: "string" } }],
      put: fanProxy("Change a hold's seats, keeping its deadline", "200", {
        operationId: "apiSwapSeats",
        requestBody: { required: true, content: json({ type: "object", description: "`{ seatIds }`, the new set, as the origin's document says" }) },
      }),
    },
    "/api/events/{eventId}/session": { parameters: [eventIdParameter], delete: fanProxy("Leave the purchase area", "200", { operationId: "apiLeave" }) },
    "/api/orders/{orderId}": {
      parameters: [
        { name: "orderId", in: "path", required: true, schema: { type: "string" } },
        { name: "eventId", in: "query", required: false, schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" }, description: "which event's token to use (or X-Event-Id); needed only with several active-token cookies" },
        { name: "X-Event-Id", in: "header", required: false, schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" }, description: "as ?eventId=" },
      ],
      get: fanProxy("An order you bought", "200", { operationId: "apiOrder" }),
    },
    "/admin/events/{eventId}/dashboard": { get: { ...adminProxy("The organiser dashboard's live data"), operationId: "adminDashboard" } },
    "/admin/events/{eventId}/stats": { get: { ...adminProxy("Seats, orders and sessions of the event"), operationId: "adminStats" } },
    "/admin/events/{eventId}/report": {
      get: {
        ...adminProxy("The sale report (JSON): fans joined, admitted, abandoned and bought, time in line, outcome per tenth of the line, the whole sale"),
        operationId: "adminReport",
        parameters: [
          eventIdParameter,
          {
            name: "format",
            in: "query",
            required: false,
            description: "`json` (the default): the JSON report; `csv`: the CSV of /report.csv. Any other value: 400 INVALID_REQUEST",
            schema: { type: "string", enum: ["json", "csv"] },
          },
        ],
        responses: {
          "200": {
            description: "The origin's answer: the report as JSON, or with ?format=csv as CSV (section,key,metric,value)",
            headers: { "X-Request-Id": header("RequestId") },
            content: { ...json({ type: "object", description: "the origin's body, as its document says" }), "text/csv": { schema: { type: "string" } } },
          },
          ...adminErrors,
        },
      },
    },
    "/admin/events/{eventId}/report.csv": {
      get: {
        ...adminProxy("The sale report as CSV (section,key,metric,value)"),
        operationId: "adminReportCsv",
        responses: { "200": { description: "the origin's CSV, as it is", content: { "text/csv": { schema: { type: "string" } } } }, ...adminErrors },
      },
    },
    "/admin/events/{eventId}/report.jws": {
      get: {
        ...adminProxy("The sale report signed by the edge: a JWS (ES256, the active-token key of /.well-known/jwks.json) over the origin's JSON report"),
        operationId: "adminReportSigned",
        description:
          `${adminNote} The edge fetches the origin's GET /admin/events/{eventId}/report and signs its exact bytes with the first key of ACTIVE_SIGNING_KEYS (the origin never holds a private key). ` +
          "The answer is a flattened JWS with an unencoded payload (RFC 7797, `b64: false`): `flattenedVerify(answer, createRemoteJWKSet(jwksUrl))` (jose) verifies it as it is. The origin's refusals (404 EVENT_NOT_FOUND, 401) pass unchanged.",
        responses: { "200": { description: "the signed report", content: json(ref("SignedReport")) }, ...adminErrors },
      },
    },
    "/admin/events/{eventId}/queue": {
      get: { ...adminProxy("The waiting room"), operationId: "adminQueue" },
      patch: { ...adminProxy("Change the waiting room's settings", "required"), operationId: "adminQueueSettings" },
    },
    "/admin/events/{eventId}/queue/covers": {
      get: { ...adminProxy("What the waiting room covers besides its event (other events, path prefixes), and which room's line each is in now"), operationId: "adminRoomCovers" },
      put: {
        ...adminProxy("Set what the waiting room covers: other events (`events`) and path prefixes under /events/<id>/ (`paths`), replacing what it covered", "required"),
        operationId: "adminSetRoomCovers",
        description: `${adminNote} The edge follows the new covers within ROOM_ROUTES_FRESH_MS. The origin refuses, changing nothing, the room's own event, an unknown event, a value twice or a path that is not canonical (400 INVALID_REQUEST).`,
      },
    },
    "/admin/events/{eventId}/limits": { patch: { ...adminProxy("Set the limit of tickets per customer over all their orders and sessions", "required"), operationId: "adminLimits" } },
    "/admin/events/{eventId}/queue/pause": { post: { ...adminProxy("Pause admissions"), operationId: "adminPause" } },
    "/admin/events/{eventId}/queue/resume": { post: { ...adminProxy("Resume admissions"), operationId: "adminResume" } },
    "/admin/events/{eventId}/queue/close": { post: { ...adminProxy("Close the waiting room", "optional"), operationId: "adminClose" } },
    "/admin/events/{eventId}/access-codes": {
      get: { ...adminProxy("The event's access codes (never the codes: only their hashes are kept)"), operationId: "adminAccessCodes" },
      post: {
        ...adminProxy("Create access codes, each shown in clear this once", "required"),
        operationId: "adminCreateAccessCodes",
        responses: { "201": forwardedAnswer("the new codes"), ...adminErrors },
      },
    },
    "/admin/events/{eventId}/page-templates": {
      get: { ...adminProxy("The organiser's own pages for the line's states, sanitised as fans see them"), operationId: "adminPageTemplates" },
    },
    "/admin/events/{eventId}/page-templates/{kind}": {
      put: {
        ...adminProxy("Upload the organiser's page for one state of the line (HTML with {{position}}, {{wait}}, {{eventName}}; sanitised), the default one or, with `lang`, one language's", "required"),
        operationId: "adminPutPageTemplate",
        parameters: [eventIdParameter, templateKindParameter],
      },
      delete: {
        ...adminProxy("Remove the organiser's page for one state (?lang=: one language's): fans see the default or the built-in one"),
        operationId: "adminDeletePageTemplate",
        parameters: [
          eventIdParameter,
          templateKindParameter,
          { name: "lang", in: "query", required: false, description: "the language whose page goes; absent: the default page", schema: { type: "string", enum: ["en", "ko"] } },
        ],
      },
    },
    "/admin/events/{eventId}/access-codes/{codeId}": {
      delete: {
        ...adminProxy("Revoke an access code"),
        operationId: "adminRevokeAccessCode",
        parameters: [eventIdParameter, { name: "codeId", in: "path", required: true, description: "the code's id, as the list gives it", schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,40}$" } }],
      },
    },
  },
  components: {
    securitySchemes: {
      queueTicketCookie: { type: "apiKey", in: "cookie", name: "cu_q_<eventId>", description: "the queue ticket join sets (HttpOnly); one cookie per event" },
      queueTicket: { type: "apiKey", in: "header", name: "X-Queue-Ticket", description: "the queue ticket from join's body, for apps that keep it themselves" },
      activeTokenCookie: { type: "apiKey", in: "cookie", name: "cu_act_<eventId>", description: "the active token claim sets (HttpOnly); one cookie per event" },
      activeToken: {
        type: "http",
        scheme: "bearer",
        bearerFormat: "JWT",
        description: "the active token from claim's body (ES256, verifiable with /.well-known/jwks.json); a token bound to a device key may be sent as `Authorization: DPoP <token>` too, with its DPoP proof",
      },
      adminKey: { type: "http", scheme: "bearer", description: "ADMIN_KEY, passed to the origin as it is" },
    },
    headers: {
      RetryAfter: { description: "seconds to wait before trying again", schema: { type: "string", pattern: "^[0-9]+$" }, required: true },
      RequestId: { description: "the request id the edge sent the origin (in its access log)", schema: { type: "string" }, required: true },
      WwwAuthenticate: { description: "the Bearer challenge, or the DPoP one when a proof was missing or not valid", schema: { type: "string" }, required: true },
      DPoPChallenge: { description: 'DPoP algs="ES256", error="invalid_token" (no proof) or "invalid_dpop_proof"', schema: { type: "string" }, required: true },
      Allow: { description: "the methods this route takes", schema: { type: "string" }, required: true },
      NoStore: { description: "no-store", schema: { type: "string", const: "no-store" }, required: true },
      PublicCache: { description: "public, max-age=300", schema: { type: "string" }, required: true },
      TicketCookie: { description: "cu_q_<eventId>=<ticket>; HttpOnly; SameSite=Lax (Secure except on plain-http localhost)", schema: { type: "string" }, required: true },
      ActiveCookie: { description: "cu_act_<eventId>=<active token>, and cu_q_<eventId> cleared", schema: { type: "string" }, required: true },
    },
    schemas: {
      SignedReport: {
        type: "object",
        description: "A flattened JWS (RFC 7515) of the sale report, payload unencoded (RFC 7797).",
        required: ["payload", "protected", "signature", "detached"],
        properties: {
          payload: { type: "string", description: "the report's JSON text, byte for byte as signed (JSON.parse it for the report)" },
          protected: { type: "string", description: "base64url of the protected header: alg ES256, kid (a key of /.well-known/jwks.json), typ sale-report+json, b64 false, crit [b64]" },
          signature: { type: "string", description: "base64url ES256 signature" },
          detached: { type: "string", description: "the same JWS in detached compact form: <protected>..<signature>" },
        },
      },
      Error: {
        type: "object",
        description: "Every error answers with this body.",
        required: ["code", "message"],
        properties: { code: { type: "string", description: "stable machine-readable code" }, message: { type: "string", description: "what went wrong, for people" } },
      },
      QueueStatus: {
        type: "string",
        enum: [...QUEUE_STATUSES],
        description: "prequeue: fans gather before the opening and are placed by lot; open: admitting; paused: places kept, nobody admitted; soldout / closed: over",
      },
      FanView: fanView,
      Challenge: {
        type: "object",
        description: "A proof-of-work challenge (ALTCHA v1).",
        required: ["algorithm", "challenge", "maxnumber", "salt", "signature", "expiresAt"],
        properties: {
          algorithm: { type: "string", const: "SHA-256" },
          challenge: { type: "string", description: "SHA-256(salt + number), hex" },
          maxnumber: { type: "integer", description: "the number sought is at most this: the difficulty (about half as many hashes on average)" },
          salt: { type: "string", description: "random, then `?event=<eventId>&difficulty=<maxnumber>&expires=<unix s>&`; sent back as it is" },
          signature: { type: "string", description: "the edge's HMAC of the challenge, hex; sent back as it is" },
          expiresAt: { type: "string", format: "date-time", description: "the solution must be used before this" },
        },
      },
      AdmittedView: admittedView,
      RestoringView: restoringView,
      Health: health,
      RestoringEvent: {
        type: "object",
        description: "data of the `restoring` event",
        required: ["eventId", "status", "code", "message"],
        properties: {
          eventId: { type: "string" },
          status: { type: "string", const: "restoring" },
          code: { type: "string", const: "RESTORING" },
          message: { type: "string", examples: ["We are restoring the line; you keep your place."] },
        },
      },
      AdmittedEvent: {
        type: "object",
        description: "data of the `admitted` event",
        required: ["eventId", "admitted", "claimDeadline", "claimUrl"],
        properties: { eventId: { type: "string" }, admitted: { type: "boolean", const: true }, claimDeadline: { type: "string", format: "date-time" }, claimUrl: { type: "string" } },
      },
      ExpiredEvent: {
        type: "object",
        description: "data of the `expired` event",
        required: ["code", "message", "joinUrl"],
        properties: { code: { type: "string", const: "LEFT_QUEUE" }, message: { type: "string" }, joinUrl: { type: "string" } },
      },
      MovedEvent: {
        type: "object",
        description: "data of the `moved` event",
        required: ["eventId", "code", "message"],
        properties: { eventId: { type: "string" }, code: { type: "string", const: "PLACE_MOVED" }, message: { type: "string" } },
      },
      Resumed: {
        type: "object",
        description: "The waiting place, now held by this device's new ticket.",
        required: ["eventId", "ticketNumber", "ticket", "redirect"],
        properties: {
          eventId: { type: "string" },
          ticketNumber: { type: "integer", minimum: 1 },
          ticket: { type: "string", description: "the new queue ticket (also set as the ticket cookie), for apps that keep it in X-Queue-Ticket" },
          redirect: { type: "string", description: "the waiting room page", examples: ["/events/demo"] },
        },
      },
      ClosedEvent: {
        type: "object",
        description: "data of the `closed` event",
        required: ["eventId", "status", "code", "message"],
        properties: {
          eventId: { type: "string" },
          status: { type: "string", enum: ["soldout", "closed"] },
          code: { type: "string", enum: ["SOLD_OUT", "SALE_CLOSED"] },
          message: { type: "string" },
        },
      },
      StaffSession: {
        type: "object",
        description: "A staff session a bypass rule gave at once (its active token is also set as the cookie).",
        required: ["eventId", "staff", "admitted", "activeToken", "sessionId", "expiresAt", "redirect"],
        properties: {
          eventId: { type: "string" },
          staff: { type: "boolean", const: true },
          admitted: { type: "boolean", const: true },
          activeToken: { type: "string", description: "ES256 JWT for Authorization: Bearer on /api/*" },
          sessionId: { type: "string" },
          expiresAt: { type: "string", format: "date-time" },
          redirect: { type: "string", description: "the sale page", examples: ["/events/demo"] },
        },
      },
      WaitlistJoined: {
        type: "object",
        required: ["eventId", "ticket", "place", "position", "statusUrl"],
        properties: {
          eventId: { type: "string" },
          ticket: { type: "string", description: "the signed ticket of the entry (also set as the ticket cookie): send it as X-Queue-Ticket to read the entry and claim an offer" },
          place: { type: "integer", description: "the order you joined the list in" },
          position: { type: "integer", description: "entries waiting up to and including yours (0 once yours no longer waits)" },
          statusUrl: { type: "string" },
        },
      },
      WaitlistEntry: {
        type: "object",
        required: ["eventId", "state", "place", "quantity", "tier", "waiting"],
        properties: {
          eventId: { type: "string" },
          state: { type: "string", enum: ["waiting", "offered", "claimed", "passed"] },
          place: { type: "integer" },
          position: { type: "integer", description: "while waiting: entries waiting up to and including yours" },
          quantity: { type: "integer" },
          tier: { type: ["string", "null"] },
          waiting: { type: "integer", description: "entries waiting on the list" },
          seatIds: { type: "array", items: { type: "string" }, description: "while offered: the seats held for you" },
          claimDeadline: { type: "string", format: "date-time", description: "while offered: claim before this at claimUrl, or the offer passes to the next entry" },
          claimUrl: { type: "string" },
          refreshIntervalSeconds: {
            type: "integer",
            minimum: 1,
            description: `while waiting or offered: when to ask again. ${WAITLIST_POLL.nearSeconds} s within the first ${WAITLIST_POLL.nearPlaces} places and while offered, ${WAITLIST_POLL.farSeconds} s further back (each ask is a limiter call and a Redis script)`,
          },
        },
      },
      Claimed: {
        type: "object",
        description: "A session in the purchase area.",
        required: ["eventId", "activeToken", "sessionId", "expiresAt", "redirect"],
        properties: {
          eventId: { type: "string" },
          activeToken: { type: "string", description: "ES256 JWT for Authorization: Bearer on /api/*" },
          sessionId: { type: "string" },
          expiresAt: { type: "string", format: "date-time" },
          redirect: { type: "string", description: "the sale page (`?seats=none` when the declared seats could not be held)", examples: ["/events/demo"] },
          choice: ref("Choice"),
          preHold: {
            type: "object",
            description: "with a declared choice: the best available seats matching it, held for this session at the claim (held: true, with the hold, its seats and its expiry), or why not (held: false, code and message: choose on the sale page)",
            required: ["held"],
            properties: {
              held: { type: "boolean" },
              holdId: { type: "string" },
              seatIds: { type: "array", items: { type: "string" } },
              expiresAt: { type: "string", format: "date-time" },
              adjacent: { type: "boolean", description: "side by side in one row" },
              code: { type: "string", examples: ["NO_SEATS_AVAILABLE"] },
              message: { type: "string" },
            },
          },
        },
      },
      Choice: {
        type: "object",
        description: "What a waiting fan wants at their turn: how many seats, and a tier or a price cap (not both); neither = any seats.",
        required: ["quantity"],
        additionalProperties: false,
        properties: {
          quantity: { type: "integer", minimum: 1, maximum: 20, description: "at most the event's per-order limit" },
          tier: { type: "string", minLength: 1, maxLength: 32, description: "one of the event's tiers" },
          maxPriceCents: { type: "integer", minimum: 0, maximum: 100000000, description: "only seats priced at most this" },
        },
      },
      Extended: {
        type: "object",
        description: "An admitted turn with more time to claim it.",
        required: ["eventId", "claimDeadline", "claimUrl"],
        properties: {
          eventId: { type: "string" },
          claimDeadline: { type: "string", format: "date-time", description: "the new claim deadline" },
          claimUrl: { type: "string", examples: ["/queue/demo/claim"] },
        },
      },
      Jwks: {
        type: "object",
        required: ["keys"],
        properties: {
          keys: {
            type: "array",
            items: {
              type: "object",
              required: ["kty", "crv", "x", "y", "kid"],
              properties: {
                kty: { type: "string", const: "EC" },
                crv: { type: "string", const: "P-256" },
                x: { type: "string" },
                y: { type: "string" },
                kid: { type: "string" },
                alg: { type: "string", const: "ES256" },
                use: { type: "string", const: "sig" },
              },
            },
          },
        },
      },
    },
  },
};

/** The identity step's routes: the edge forwards them to the origin (its OpenAPI document has their full schemas, tag identity). */
function identityPaths() {
  const step = (operationId: string, summary: string, description: string, body: Record<string, unknown>, ok: string) => ({
    post: {
      tags: ["queue"],
      operationId,
      summary,
      description: description + " Forwarded to the origin, which answers 404 IDENTITY_NOT_ASKED when the sale does not ask this identity, 429 IDENTITY_RATE_LIMITED past the client IP's limit and 503 IDENTITY_UNAVAILABLE when it cannot (no IDENTITY_SECRET, no SMTP_HOST).",
      parameters: [eventIdParameter],
      requestBody: { required: true, content: json(body) },
      responses: {
        [ok]: { description: "Done", content: json({ type: "object" }) },
        "400": failure("The body is not what the route takes", ["INVALID_REQUEST", "INVALID_BODY"]),
        "403": failure("A wrong, expired or used-up code, or a passkey that does not verify", ["IDENTITY_CODE_INVALID", "IDENTITY_CODE_SPENT", "PASSKEY_REFUSED"]),
        "404": failure("The sale does not ask this identity, or no such route", ["IDENTITY_NOT_ASKED", "NO_SUCH_EVENT", "NOT_FOUND"]),
        "429": failure("Too many identity requests from this client IP", ["IDENTITY_RATE_LIMITED"], { "Retry-After": header("RetryAfter") }),
        "503": unavailable(["IDENTITY_UNAVAILABLE", "ORIGIN_UNREACHABLE"]),
      },
    },
  });
  const ceremony = { type: "object", additionalProperties: false, required: ["ceremony", "response"], properties: { ceremony: { type: "string" }, response: { type: "object", description: "@simplewebauthn/browser's RegistrationResponseJSON or AuthenticationResponseJSON" } } };
  const none = { type: "object", additionalProperties: false, properties: {} };
  return {
    "/queue/{eventId}/identity/email": step("identityEmail", "Send a six-digit one-time code to an email address", "202 `{sent: true}` for every address, known or not (an address's own limit is silent): the answer tells nothing about it. The code works 5 minutes and 5 tries.", { type: "object", additionalProperties: false, required: ["email"], properties: { email: { type: "string", format: "email", maxLength: 254 } } }, "202"),
    "/queue/{eventId}/identity/email/verify": step("identityEmailVerify", "Check the code: an identity proof to join with", "200 `{proof, kind, expiresAt}`: send `proof` as `identityProof` in the join's body within 10 minutes.", { type: "object", additionalProperties: false, required: ["email", "code"], properties: { email: { type: "string", format: "email", maxLength: 254 }, code: { type: "string", pattern: "^[0-9]{6}$" } } }, "200"),
    "/queue/{eventId}/identity/passkey/register/options": step("identityPasskeyRegisterOptions", "Start making a passkey", "200 `{ceremony, options}`: WebAuthn creation options for navigator.credentials.create.", none, "200"),
    "/queue/{eventId}/identity/passkey/register": step("identityPasskeyRegister", "Finish making a passkey: an identity proof", "200 `{proof, kind, expiresAt}`.", ceremony, "200"),
    "/queue/{eventId}/identity/passkey/login/options": step("identityPasskeyLoginOptions", "Start signing in with a passkey", "200 `{ceremony, options}`: WebAuthn request options for navigator.credentials.get.", none, "200"),
    "/queue/{eventId}/identity/passkey/login": step("identityPasskeyLogin", "Finish signing in with a passkey: an identity proof", "200 `{proof, kind, expiresAt}`.", ceremony, "200"),
  };
}

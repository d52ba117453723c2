/**
 * Proofs of possession for places and sessions bound to a fan's device, in the spirit of
 * DPoP (RFC 9449). The waiting page keeps a non-extractable ECDSA P-256 key pair; a ticket
 * or active token minted for it carries the key's thumbprint (`cnf.jkt`, RFC 7638), and
 * every claim and /api call with such a token carries a `DPoP` header: a JWT (`typ:
 * dpop+jwt`, ES256, the public key in its `jwk` header) with `htm` (method), `htu` (URL
 * without query), `iat`, `jti` (random, single use) and `ath` (SHA-256 of the token sent).
 * A copied ticket or token without the private key cannot make one.
 *
 * Replays: a proof is good for PROOF_MAX_AGE_SECONDS after its `iat` (and up to the clock
 * leeway before it). Its `jti` is remembered for that window in the isolate (free) and,
 * for claims and calls that change something (POST, DELETE), in Redis with `SET NX PX`
 * (one command per such call), so no isolate accepts it twice. Reads (GET, HEAD: seat map
 * and status polls, the most frequent calls) are checked against the isolate's memory only.
 */
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from "jose";
import { eventKeys } from "../../common/keys.ts";
import { deviceBinding, type DeviceBinding } from "../../common/queue-state.ts";
import { CLOCK_LEEWAY_SECONDS } from "../../common/tokens.ts";
import { config, type Env } from "./env.ts";
import { error } from "./http.ts";
import { hubFor } from "./hub.ts";
import { client } from "./redis.ts";

export const DPOP_HEADER = "dpop";
export const DPOP_TYP = "dpop+jwt";
export const DPOP_ALG = "ES256";
/** How long after its `iat` a proof is accepted. */
export const PROOF_MAX_AGE_SECONDS = 60;
/** How far in the future an `iat` may be: the clock leeway tokens allow. */
export const PROOF_FUTURE_SECONDS = CLOCK_LEEWAY_SECONDS;
const JTI_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const MAX_PROOF_CHARS = 2048;

/** A proof that verified: the key's thumbprint and what makes it single use. */
export interface Proof {
  jkt: string;
  jti: string;
  iat: number;
  /** whether it named the token sent with it (`ath`; checked when there) */
  ath: boolean;
}

export type ProofCheck = { kind: "none" } | { kind: "valid"; proof: Proof } | { kind: "invalid"; response: Response };

const challenge = (code: string) => ({ "www-authenticate": `DPoP algs="${DPOP_ALG}", error="${code === "DPOP_REQUIRED" ? "invalid_token" : "invalid_dpop_proof"}"` });

/** The refusals, each with its own code (docs/HTTP.md, "Device binding"). */
export const proofError = {
  required: () => error(401, "DPOP_REQUIRED", "This place or session is bound to the device that joined: send a DPoP proof signed with its key.", challenge("DPOP_REQUIRED")),
  invalid: (why: string) => error(401, "DPOP_INVALID", `The DPoP proof is not valid: ${why}.`, challenge("DPOP_INVALID")),
  wrongRequest: () => error(401, "DPOP_WRONG_REQUEST", "The DPoP proof was made for another method or URL.", challenge("DPOP_WRONG_REQUEST")),
  stale: () =>
    error(401, "DPOP_STALE", `The DPoP proof's iat is more than ${PROOF_MAX_AGE_SECONDS} s old or in the future; make a new one (this response's Date header is the edge's clock).`, {
      ...challenge("DPOP_STALE"),
      date: new Date().toUTCString(),
    }),
  wrongToken: () => error(401, "DPOP_WRONG_TOKEN", "The DPoP proof's ath is not the hash of the ticket or token sent with it.", challenge("DPOP_WRONG_TOKEN")),
  replayed: () => error(401, "DPOP_REPLAYED", "This DPoP proof was used already; make a new one for each request.", challenge("DPOP_REPLAYED")),
  wrongKey: () => error(403, "DPOP_WRONG_KEY", "This place or session belongs to another device: it was bound to the key of the browser or app that joined."),
  bindingRequired: () =>
    error(403, "DEVICE_BINDING_REQUIRED", "This sale needs a place bound to your device: join with a DPoP proof (a browser with WebCrypto does this by itself)."),
};

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** `ath`: base64url SHA-256 of the token's ASCII (RFC 9449 section 4.2). */
export async function tokenHash(token: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))));
}

/** The URL a proof names: scheme, host and path, without query and fragment (RFC 9449 section 4.3). */
export function htuOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.origin + u.pathname;
  } catch {
    return null;
  }
}

/**
 * Verifies the request's DPoP header, if it has one, for the token sent with it (`token`:
 * the ticket or active token the edge is about to honour; null when none is sent, as on a
 * first join). Replays are checked apart (`spend`), once the caller knows the proof matters.
 */
export async function readProof(request: Request, token: string | null, now = Date.now()): Promise<ProofCheck> {
  const raw = request.headers.get(DPOP_HEADER);
  if (raw === null) return { kind: "none" };
  if (raw.length > MAX_PROOF_CHARS || raw.includes(",") || raw.trim() !== raw) return { kind: "invalid", response: proofError.invalid("send exactly one proof") };
  let header: { typ?: unknown; alg?: unknown; jwk?: unknown };
  try {
    header = decodeProtectedHeader(raw);
  } catch {
    return { kind: "invalid", response: proofError.invalid("it is not a JWS") };
  }
  if (header.typ !== DPOP_TYP || header.alg !== DPOP_ALG || typeof header.jwk !== "object" || header.jwk === null) {
    return { kind: "invalid", response: proofError.invalid(`its header needs typ ${DPOP_TYP}, alg ${DPOP_ALG} and the public key as jwk`) };
  }
  const jwk = header.jwk as JWK;
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || "d" in jwk) return { kind: "invalid", response: proofError.invalid("its jwk must be a public P-256 key") };
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(raw, EmbeddedJWK, { typ: DPOP_TYP, algorithms: [DPOP_ALG] }));
  } catch {
    return { kind: "invalid", response: proofError.invalid("its signature does not verify with its jwk") };
  }
  const { htm, htu, iat, jti, ath } = payload;
  if (typeof jti !== "string" || !JTI_PATTERN.test(jti)) return { kind: "invalid", response: proofError.invalid("jti must be 16-64 base64url characters") };
  if (typeof iat !== "number" || !Number.isFinite(iat)) return { kind: "invalid", response: proofError.invalid("iat must be a number (seconds)") };
  if (typeof htm !== "string" || typeof htu !== "string") return { kind: "invalid", response: proofError.invalid("htm and htu are required") };
  if (htm !== request.method || htuOf(htu) !== htuOf(request.url)) return { kind: "invalid", response: proofError.wrongRequest() };
  const seconds = now / 1000;
  if (iat > seconds + PROOF_FUTURE_SECONDS || iat < seconds - PROOF_MAX_AGE_SECONDS) return { kind: "invalid", response: proofError.stale() };
  if (ath !== undefined && (token === null || ath !== (await tokenHash(token)))) return { kind: "invalid", response: proofError.wrongToken() };
  return { kind: "valid", proof: { jkt: await calculateJwkThumbprint(jwk, "sha256"), jti, iat, ath: ath !== undefined } };
}

/** Proofs this isolate saw, by `<jkt>:<jti>`, with when they stop mattering (ms); bounded. */
const seen = new Map<string, number>();
const SEEN_MAX = 100_000;

function seenBefore(id: string, until: number, now: number): boolean {
  const at = seen.get(id);
  if (at !== undefined && at > now) return true;
  if (seen.size >= SEEN_MAX) {
    for (const [k, t] of seen) if (t <= now) seen.delete(k);
    // still full of live proofs: the oldest go first (a Map iterates in insertion order)
    for (const k of seen.keys()) {
      if (seen.size < SEEN_MAX) break;
      seen.delete(k);
    }
  }
  seen.set(id, until);
  return false;
}

/**
 * Marks a proof used; false when it was used before (a replay). `shared`: also in Redis
 * (`cu:{e}:proof:<jkt>:<jti>`, SET NX PX), so another isolate refuses it too.
 */
export async function spend(env: Env, eventId: string, proof: Proof, shared: boolean, now = Date.now()): Promise<boolean> {
  const until = (proof.iat + PROOF_MAX_AGE_SECONDS + PROOF_FUTURE_SECONDS) * 1000;
  if (seenBefore(`${proof.jkt}:${proof.jti}`, until, now)) return false;
  if (!shared) return true;
  const ttl = Math.max(1000, until - now);
  const set = await client(env).redis.set(eventKeys(eventId).proof(proof.jkt, proof.jti), "1", { nx: true, px: ttl });
  return set !== null;
}

/**
 * What a request with a bound ticket or token must show: a valid proof by the bound key,
 * never used before. Returns null when it may go on, else the refusal.
 */
export async function proveBound(env: Env, eventId: string, check: ProofCheck, jkt: string, shared: boolean): Promise<Response | null> {
  if (check.kind === "invalid") return check.response;
  if (check.kind === "none") return proofError.required();
  if (check.proof.jkt !== jkt) return proofError.wrongKey();
  if (!check.proof.ath) return proofError.wrongToken();
  return (await spend(env, eventId, check.proof, shared)) ? null : proofError.replayed();
}

/** The device binding of each event as this isolate last read it on its own (when its shared read was stale). */
const modes = new Map<string, { at: number; mode: DeviceBinding }>();

/**
 * The event's device binding, at most a tick old: from the isolate's shared read when it is
 * fresh, else one HGET, kept for a tick. It never makes the shared read itself: a snapshot
 * read just before a fan's join would show them a line without themselves.
 */
export async function bindingOf(env: Env, eventId: string): Promise<DeviceBinding> {
  const now = Date.now();
  const { tickMs } = config(env);
  const hub = hubFor(eventId);
  if (hub.isFresh(tickMs, now)) return hub.snapshot!.deviceBinding;
  const kept = modes.get(eventId);
  if (kept && now - kept.at < tickMs) return kept.mode;
  // one read at a time per event: while one is out, a kept value (at most a read's time
  // older) answers, and a first burst waits for the first answer as plain data (a request
  // may not await another request's I/O) rather than sending a read each
  const since = reading.get(eventId);
  if (since !== undefined && now - since < READ_STUCK_MS) {
    if (kept) return kept.mode;
    for (let waited = 0; waited < READ_STUCK_MS && !modes.has(eventId); waited += 5) await new Promise((r) => setTimeout(r, 5));
    const first = modes.get(eventId);
    if (first) return first.mode;
  }
  reading.set(eventId, now);
  try {
    const mode = deviceBinding(await client(env).redis.hget(eventKeys(eventId).queueState, "deviceBinding"));
    if (modes.size >= 10_000) modes.clear();
    modes.set(eventId, { at: Date.now(), mode });
    return mode;
  } finally {
    reading.delete(eventId);
  }
}

/** Reads of a device binding in flight, by event: when each started (ms). */
const reading = new Map<string, number>();
const READ_STUCK_MS = 1000;

/**
 * For a join: the device key a new place is bound to (null: unbound), or the refusal. A
 * held bound ticket needs its own key's proof; otherwise the organiser's setting decides
 * (off: no binding; optional: bound when a proof comes; required: a proof must come).
 */
export async function joinBinding(env: Env, eventId: string, request: Request, held: { token: string; claims: { cnf?: { jkt: string } } } | null): Promise<Response | { jkt: string | null }> {
  const check = await readProof(request, held?.token ?? null);
  const boundTo = held?.claims.cnf?.jkt;
  if (boundTo) {
    const refused = await proveBound(env, eventId, check, boundTo, false);
    return refused ?? { jkt: boundTo };
  }
  if (check.kind === "invalid") return check.response;
  const mode = await bindingOf(env, eventId);
  if (mode === "off") return { jkt: null };
  if (check.kind === "none") return mode === "required" ? proofError.bindingRequired() : { jkt: null };
  return (await spend(env, eventId, check.proof, false)) ? { jkt: check.proof.jkt } : proofError.replayed();
}

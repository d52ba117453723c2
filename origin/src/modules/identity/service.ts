/**
 * The fans' identity step (docs/IDENTITY.md): a one-time code sent to an email address, or a
 * passkey (WebAuthn), each ending in a signed short-lived proof the edge checks at the join.
 * Codes, tries and ceremonies live in Redis and expire; passkeys in MySQL. What is kept of
 * an address is its keyed hash, and only while its code lives: never the address itself.
 */
import type { Static } from "elysia";
import { eq } from "drizzle-orm";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { identitySubject, IDENTITY_PROOF_TTL_SECONDS, keyedHash, normaliseEmail, signIdentityProof, type IdentityKind } from "../../../../common/identity.ts";
import { eventKeys } from "../../../../common/keys.ts";
import { identityMode } from "../../../../common/queue-state.ts";
import { passkeyCredentials } from "../../db/schema/index.ts";
import type { Deps } from "../../deps.ts";
import { IdentityCodeInvalidError, IdentityCodeSpentError, IdentityNotAskedError, IdentityRateLimitedError, IdentityUnavailableError, PasskeyRefusedError } from "../../errors.ts";
import { randomId } from "../../lib/ids.ts";
import type { ceremonyBody, codeSent, identityProof } from "./model.ts";

/** How long a code can be used. */
export const CODE_TTL_SECONDS = 300;
/** Wrong codes an address may try before its code is void. */
export const CODE_TRIES = 5;
/** The window the request limits count in. */
export const LIMIT_WINDOW_SECONDS = 600;
/** Codes one client IP may ask for per window (any addresses). */
export const SENDS_PER_IP = 10;
/** Codes sent to one address per window: more asks get the same answer and no email. */
export const SENDS_PER_ADDRESS = 3;
/** Code checks and passkey ceremonies one client IP may make per window. */
export const CHECKS_PER_IP = 60;
/** How long a passkey ceremony may take. */
export const CEREMONY_TTL_SECONDS = 300;

type Proof = Static<typeof identityProof>;

function secretOf(deps: Deps): string {
  const secret = deps.config.identity.secret;
  if (!secret) throw new IdentityUnavailableError();
  return secret;
}

/** The event asks this kind of identity (its `identity` setting is it or `either`), else 404 IDENTITY_NOT_ASKED. */
async function mustAsk(deps: Deps, eventId: string, kind: IdentityKind): Promise<void> {
  const mode = identityMode(await deps.redis.hget(eventKeys(eventId).queueState, "identity"));
  if (mode !== kind && mode !== "either") throw new IdentityNotAskedError();
}

/** Counts one request against `limit` in the window; true while within it. */
async function within(deps: Deps, eventId: string, kind: string, who: string, limit: number): Promise<boolean> {
  const key = eventKeys(eventId).identityLimit(kind, who);
  const [[, count]] = (await deps.redis.multi().incr(key).expire(key, LIMIT_WINDOW_SECONDS, "NX").exec()) as [[null, number], unknown];
  return count <= limit;
}

async function proofFor(deps: Deps, eventId: string, subject: string, kind: IdentityKind): Promise<Proof> {
  const now = Math.floor(deps.clock.now() / 1000);
  return { proof: await signIdentityProof(secretOf(deps), eventId, subject, now), kind, expiresAt: new Date((now + IDENTITY_PROOF_TTL_SECONDS) * 1000).toISOString() };
}

/** Six digits, uniform (rejection sampling over 32-bit values). */
function sixDigits(): string {
  const bound = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
  for (;;) {
    const [n] = crypto.getRandomValues(new Uint32Array(1));
    if (n! < bound) return String(n! % 1_000_000).padStart(6, "0");
  }
}

/**
 * Sends a fresh code to the address (it replaces one sent before, and its tries). The answer
 * is the same for every address, known or not, and when the address had its codes for the
 * window (then no email goes): only the caller's own IP limit answers otherwise (429).
 */
export async function sendEmailCode(deps: Deps, eventId: string, email: string, ip: string | null): Promise<Static<typeof codeSent>> {
  const secret = secretOf(deps);
  if (!deps.mailer) throw new IdentityUnavailableError();
  await mustAsk(deps, eventId, "email");
  if (!(await within(deps, eventId, "send", `ip:${ip ?? "unknown"}`, SENDS_PER_IP))) throw new IdentityRateLimitedError();
  const address = normaliseEmail(email);
  const subject = await identitySubject(secret, "email", address);
  const answer = { sent: true as const, expiresInSeconds: CODE_TTL_SECONDS };
  if (!(await within(deps, eventId, "send", subject, SENDS_PER_ADDRESS))) return answer;
  const code = sixDigits();
  const key = eventKeys(eventId).identityCode(subject);
  await deps.redis.multi().del(key).hset(key, "code", await keyedHash(secret, `${subject}/${code}`), "tries", 0).expire(key, CODE_TTL_SECONDS).exec();
  try {
    await deps.mailer.send({
      to: address,
      subject: `Your code: ${code}`,
      text: `Your code for the waiting room is ${code}.\n\nIt works for ${CODE_TTL_SECONDS / 60} minutes. If you did not ask for it, ignore this email.\n`,
    });
  } catch {
    await deps.redis.del(key);
    throw new IdentityUnavailableError();
  }
  return answer;
}

/** Checks a code: right and in time, a proof (the code is spent); wrong, a try gone (the fifth wrong one voids it). */
export async function verifyEmailCode(deps: Deps, eventId: string, email: string, code: string, ip: string | null): Promise<Proof> {
  const secret = secretOf(deps);
  await mustAsk(deps, eventId, "email");
  if (!(await within(deps, eventId, "check", `ip:${ip ?? "unknown"}`, CHECKS_PER_IP))) throw new IdentityRateLimitedError();
  const subject = await identitySubject(secret, "email", normaliseEmail(email));
  const key = eventKeys(eventId).identityCode(subject);
  // the try is counted before the comparison, atomically: concurrent guesses never get more than CODE_TRIES
  const [[, tries], [, stored]] = (await deps.redis.multi().hincrby(key, "tries", 1).hget(key, "code").exec()) as [[null, number], [null, string | null]];
  if (stored === null) {
    await deps.redis.del(key);
    throw new IdentityCodeInvalidError();
  }
  if (tries > CODE_TRIES) throw new IdentityCodeSpentError();
  if (!equal(stored, await keyedHash(secret, `${subject}/${code}`))) {
    if (tries === CODE_TRIES) throw new IdentityCodeSpentError();
    throw new IdentityCodeInvalidError();
  }
  // single use: only the request that deletes it gets the proof
  if ((await deps.redis.del(key)) === 0) throw new IdentityCodeInvalidError();
  return proofFor(deps, eventId, subject, "email");
}

function equal(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The relying party a ceremony is for: the configured one, else the page's own host (the request's Origin). */
function relyingParty(deps: Deps, origin: string | null): { rpID: string; origins: string[] } {
  const { rpId, origins } = deps.config.identity;
  let fromRequest: URL | null = null;
  try {
    fromRequest = origin ? new URL(origin) : null;
  } catch {
    fromRequest = null;
  }
  const rpID = rpId ?? fromRequest?.hostname;
  if (!rpID) throw new PasskeyRefusedError();
  const allowed = origins.length > 0 ? origins : fromRequest && fromRequest.hostname === rpID ? [fromRequest.origin] : [];
  return { rpID, origins: allowed };
}

interface Ceremony {
  kind: "register" | "login";
  challenge: string;
  /** registration: the random user handle the new passkey carries */
  userHandle?: string;
}

async function startCeremony(deps: Deps, eventId: string, ceremony: Ceremony): Promise<string> {
  const id = randomId("cer").replace(/^cer_/, "");
  await deps.redis.set(eventKeys(eventId).identityCeremony(id), JSON.stringify(ceremony), "EX", CEREMONY_TTL_SECONDS);
  return id;
}

/** The ceremony, once: a second answer to it finds nothing. */
async function takeCeremony(deps: Deps, eventId: string, id: string, kind: Ceremony["kind"]): Promise<Ceremony> {
  const raw = await deps.redis.getdel(eventKeys(eventId).identityCeremony(id));
  const ceremony = raw ? (JSON.parse(raw) as Ceremony) : null;
  if (!ceremony || ceremony.kind !== kind) throw new PasskeyRefusedError();
  return ceremony;
}

async function passkeyStart(deps: Deps, eventId: string, ip: string | null): Promise<void> {
  secretOf(deps);
  await mustAsk(deps, eventId, "passkey");
  if (!(await within(deps, eventId, "check", `ip:${ip ?? "unknown"}`, CHECKS_PER_IP))) throw new IdentityRateLimitedError();
}

/** Options to make a new passkey: a discoverable credential with a fresh random user handle (no name, no address). */
export async function passkeyRegistrationOptions(deps: Deps, eventId: string, origin: string | null, ip: string | null) {
  await passkeyStart(deps, eventId, ip);
  const { rpID } = relyingParty(deps, origin);
  const userHandle = crypto.getRandomValues(new Uint8Array(32));
  const options = await generateRegistrationOptions({
    rpName: "Concert-U",
    rpID,
    userID: userHandle,
    userName: "Concert-U fan",
    userDisplayName: "Concert-U fan",
    attestationType: "none",
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
  });
  const ceremony = await startCeremony(deps, eventId, { kind: "register", challenge: options.challenge, userHandle: options.user.id });
  return { ceremony, options: options as unknown as Record<string, unknown> };
}

export async function passkeyRegister(deps: Deps, eventId: string, body: Static<typeof ceremonyBody>, origin: string | null, ip: string | null): Promise<Proof> {
  await passkeyStart(deps, eventId, ip);
  const ceremony = await takeCeremony(deps, eventId, body.ceremony, "register");
  const { rpID, origins } = relyingParty(deps, origin);
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({ response: body.response as unknown as RegistrationResponseJSON, expectedChallenge: ceremony.challenge, expectedOrigin: origins, expectedRPID: rpID, requireUserVerification: false });
  } catch {
    throw new PasskeyRefusedError();
  }
  if (!verified.verified || !verified.registrationInfo) throw new PasskeyRefusedError();
  const { credential } = verified.registrationInfo;
  await deps.database.db
    .insert(passkeyCredentials)
    .values({ credentialId: credential.id, userHandle: ceremony.userHandle!, publicKey: credential.publicKey, counter: credential.counter, transports: credential.transports?.join(",") ?? null, createdAt: new Date(deps.clock.now()) })
    .onDuplicateKeyUpdate({ set: { credentialId: credential.id } });
  const [row] = await deps.database.db.select().from(passkeyCredentials).where(eq(passkeyCredentials.credentialId, credential.id));
  return proofFor(deps, eventId, await identitySubject(secretOf(deps), "passkey", row!.userHandle), "passkey");
}

/** Options to sign in with a passkey the fan made before: any of this site's (discoverable), so nothing tells which exist. */
export async function passkeyLoginOptions(deps: Deps, eventId: string, origin: string | null, ip: string | null) {
  await passkeyStart(deps, eventId, ip);
  const { rpID } = relyingParty(deps, origin);
  const options = await generateAuthenticationOptions({ rpID, userVerification: "preferred" });
  const ceremony = await startCeremony(deps, eventId, { kind: "login", challenge: options.challenge });
  return { ceremony, options: options as unknown as Record<string, unknown> };
}

export async function passkeyLogin(deps: Deps, eventId: string, body: Static<typeof ceremonyBody>, origin: string | null, ip: string | null): Promise<Proof> {
  await passkeyStart(deps, eventId, ip);
  const ceremony = await takeCeremony(deps, eventId, body.ceremony, "login");
  const { rpID, origins } = relyingParty(deps, origin);
  const [row] = await deps.database.db.select().from(passkeyCredentials).where(eq(passkeyCredentials.credentialId, body.response.id));
  if (!row) throw new PasskeyRefusedError();
  if (body.response.response.userHandle !== undefined && body.response.response.userHandle !== row.userHandle) throw new PasskeyRefusedError();
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verified = await verifyAuthenticationResponse({
      response: body.response as unknown as AuthenticationResponseJSON,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: origins,
      expectedRPID: rpID,
      requireUserVerification: false,
      credential: { id: row.credentialId, publicKey: new Uint8Array(row.publicKey), counter: row.counter, transports: (row.transports?.split(",") ?? []) as AuthenticatorTransport[] },
    });
  } catch {
    throw new PasskeyRefusedError();
  }
  if (!verified.verified) throw new PasskeyRefusedError();
  await deps.database.db.update(passkeyCredentials).set({ counter: verified.authenticationInfo.newCounter, lastUsedAt: new Date(deps.clock.now()) }).where(eq(passkeyCredentials.credentialId, row.credentialId));
  return proofFor(deps, eventId, await identitySubject(secretOf(deps), "passkey", row.userHandle), "passkey");
}

/**
 * Access codes: the organiser creates and revokes them (MySQL first, then Redis), and the
 * edge records each redemption here before it gives the place. MySQL is the record: a
 * redemption is a row (one per queue ticket) and the code's `used` count, changed in one
 * transaction under the code's row lock, so a code never gives more places than its
 * uses, whatever Redis lost or went back to. Redis holds a copy of every code
 * (lua/redeemAccessCode-3.lua is the gate the racing fans meet first), written back from
 * here after a restore and whenever the edge finds it missing.
 */
import type { Static } from "elysia";
import { and, eq } from "drizzle-orm";
import type Redis from "ioredis";
import { accessCodeHash, generateAccessCode, normalizeAccessCode } from "../../../../common/access.ts";
import { eventKeys } from "../../../../common/keys.ts";
import { redisScripts } from "../../../../lua/registry.ts";
import type { Db } from "../../db/client.ts";
import { isDuplicateKey } from "../../db/errors.ts";
import { accessCodeRedemptions, accessCodes, type AccessCodeRow } from "../../db/schema/index.ts";
import type { Deps } from "../../deps.ts";
import { AccessCodeInvalidError, AccessCodeNotFoundError, AccessCodeNotValidNowError, AccessCodeUsedUpError, AppError, InvalidRequestError } from "../../errors.ts";
import { randomId } from "../../lib/ids.ts";
import { runScript } from "../../redis/scripts.ts";
import type { codeView, createCodesBody, redemptionBody } from "./model.ts";

type CodeView = Static<typeof codeView>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function view(row: AccessCodeRow): CodeView {
  return { id: row.id, label: row.label, uses: row.uses, used: row.used, tier: row.tier, validFrom: iso(row.validFrom), validUntil: iso(row.validUntil), revoked: row.revokedAt !== null };
}

/** Writes one code into Redis as MySQL has it (revoked: removed). */
async function publishCode(redis: Redis, eventId: string, row: AccessCodeRow): Promise<void> {
  const k = eventKeys(eventId);
  const live = row.revokedAt === null;
  await runScript(redis, redisScripts.publishAccessCode, { k, ids: { codeHash: row.codeHash } }, [
    live ? 1 : 0,
    row.id,
    row.uses,
    row.used,
    row.tier ?? "",
    row.validFrom?.getTime() ?? 0,
    row.validUntil?.getTime() ?? 0,
  ]);
}

/**
 * Writes every code of the event into Redis from MySQL, then the marker that says Redis
 * has them all (so the edge answers an unknown code itself instead of asking here).
 */
export async function publishCodes(redis: Redis, db: Db, eventId: string, now: number): Promise<number> {
  const rows = await db.select().from(accessCodes).where(eq(accessCodes.eventId, eventId));
  if (rows.length === 0) return 0;
  await Promise.all(rows.map((row) => publishCode(redis, eventId, row)));
  await redis.set(eventKeys(eventId).accessCodesPublished, now);
  return rows.length;
}

export async function listCodes(deps: Deps, eventId: string): Promise<{ codes: CodeView[] }> {
  const rows = await deps.database.db.select().from(accessCodes).where(eq(accessCodes.eventId, eventId)).orderBy(accessCodes.createdAt, accessCodes.id);
  return { codes: rows.map(view) };
}

export async function createCodes(deps: Deps, eventId: string, body: Static<typeof createCodesBody>) {
  if (body.code !== undefined && body.count !== undefined && body.count !== 1) throw new InvalidRequestError("Give either `code` (one code of your own) or `count` (generated codes), not both.");
  const chosen = body.code === undefined ? null : normalizeAccessCode(body.code);
  if (body.code !== undefined && !chosen) throw new InvalidRequestError("`code` must be 4-64 letters, digits or '-' (spaces are ignored).");
  const validFrom = body.validFrom ? new Date(body.validFrom) : null;
  const validUntil = body.validUntil ? new Date(body.validUntil) : null;
  if (validFrom && validUntil && validUntil <= validFrom) throw new InvalidRequestError("`validUntil` must be after `validFrom`.");
  const now = new Date(deps.clock.now());
  const texts = chosen ? [chosen] : Array.from({ length: body.count ?? 1 }, generateAccessCode);
  const rows: AccessCodeRow[] = await Promise.all(
    texts.map(async (code) => ({
      id: randomId("ac"),
      eventId,
      codeHash: await accessCodeHash(eventId, code),
      label: body.label ?? null,
      uses: body.uses ?? 1,
      used: 0,
      tier: body.tier ?? null,
      validFrom,
      validUntil,
      revokedAt: null,
      createdAt: now,
    })),
  );
  // Redis is told it no longer has every code before MySQL has more: a failure in between
  // makes the edge ask the origin about a code Redis lacks, never refuse it as unknown
  await deps.redis.del(eventKeys(eventId).accessCodesPublished);
  try {
    await deps.database.db.insert(accessCodes).values(rows);
  } catch (error) {
    if (isDuplicateKey(error)) throw new AppError("ACCESS_CODE_EXISTS");
    throw error;
  }
  await publishCodes(deps.redis, deps.database.db, eventId, deps.clock.now());
  return { codes: rows.map((row, i) => ({ ...view(row), code: texts[i]! })) };
}

export async function revokeCode(deps: Deps, eventId: string, codeId: string): Promise<CodeView> {
  const db = deps.database.db;
  const where = and(eq(accessCodes.eventId, eventId), eq(accessCodes.id, codeId));
  const [row] = await db.select().from(accessCodes).where(where);
  if (!row) throw new AccessCodeNotFoundError();
  if (!row.revokedAt) {
    await db.update(accessCodes).set({ revokedAt: new Date(deps.clock.now()) }).where(where);
    row.revokedAt = new Date(deps.clock.now());
  }
  await publishCode(deps.redis, eventId, row);
  return view(row);
}

type Refusal = typeof AccessCodeInvalidError | typeof AccessCodeUsedUpError | typeof AccessCodeNotValidNowError;

/**
 * Records that a code gave the place of `ticketId`, under the code's row lock: refused when
 * the code is unknown or revoked, outside its window, or used up. Asking again for the same
 * ticket answers the first redemption. Redis is brought in line afterwards: the codes when
 * they were missing there, the code's count when MySQL found it used up.
 */
export async function redeemCode(deps: Deps, eventId: string, body: Static<typeof redemptionBody>): Promise<{ codeId: string; tier: string | null }> {
  const now = deps.clock.now();
  const pool = deps.database.pool;
  const conn = await pool.getConnection();
  let outcome: { row: AccessCodeRow | null; refusal: Refusal | null };
  try {
    await conn.query("START TRANSACTION");
    try {
      const [found] = (await conn.query(
        "SELECT id, event_id AS eventId, code_hash AS codeHash, label, uses, used, tier, valid_from AS validFrom, valid_until AS validUntil, revoked_at AS revokedAt, created_at AS createdAt FROM access_codes WHERE event_id = ? AND code_hash = ? FOR UPDATE",
        [eventId, body.codeHash],
      )) as unknown as [AccessCodeRow[]];
      const row = found[0] ?? null;
      outcome = { row, refusal: null };
      if (!row || row.revokedAt) outcome.refusal = AccessCodeInvalidError;
      else {
        const [mine] = (await conn.query("SELECT code_id AS codeId FROM access_code_redemptions WHERE event_id = ? AND ticket_id = ?", [eventId, body.ticketId])) as unknown as [Array<{ codeId: string }>];
        if (mine[0]) outcome.refusal = mine[0].codeId === row.id ? null : AccessCodeInvalidError;
        else if ((row.validFrom && now < row.validFrom.getTime()) || (row.validUntil && now >= row.validUntil.getTime())) outcome.refusal = AccessCodeNotValidNowError;
        else if (row.used >= row.uses) outcome.refusal = AccessCodeUsedUpError;
        else {
          await conn.query("INSERT INTO access_code_redemptions (event_id, ticket_id, code_id, redeemed_at) VALUES (?, ?, ?, ?)", [eventId, body.ticketId, row.id, new Date(now)]);
          await conn.query("UPDATE access_codes SET used = used + 1 WHERE id = ?", [row.id]);
          row.used += 1;
        }
      }
      await conn.query("COMMIT");
    } catch (error) {
      await conn.query("ROLLBACK").catch(() => {});
      throw error;
    }
  } finally {
    conn.release();
  }
  const { row, refusal } = outcome;
  const k = eventKeys(eventId);
  if (!(await deps.redis.exists(k.accessCodesPublished))) await publishCodes(deps.redis, deps.database.db, eventId, now);
  else if (row && refusal === AccessCodeUsedUpError) await publishCode(deps.redis, eventId, row);
  if (refusal) throw new refusal();
  return { codeId: row!.id, tier: row!.tier };
}

/** Undoes the redemption of a ticket whose place was not given after all; false when it had none. */
export async function releaseRedemption(deps: Deps, eventId: string, ticketId: string): Promise<{ released: boolean }> {
  const released = await deps.database.db.transaction(async (tx) => {
    const [mine] = await tx
      .select()
      .from(accessCodeRedemptions)
      .where(and(eq(accessCodeRedemptions.eventId, eventId), eq(accessCodeRedemptions.ticketId, ticketId)))
      .for("update");
    if (!mine) return false;
    await tx.delete(accessCodeRedemptions).where(and(eq(accessCodeRedemptions.eventId, eventId), eq(accessCodeRedemptions.ticketId, ticketId)));
    const [code] = await tx.select().from(accessCodes).where(eq(accessCodes.id, mine.codeId)).for("update");
    if (code && code.used > 0) await tx.update(accessCodes).set({ used: code.used - 1 }).where(eq(accessCodes.id, code.id));
    return true;
  });
  return { released };
}

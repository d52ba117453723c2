/**
 * The race experiments: one seat, many buyers at once, sold by read-check-write against a
 * scratch table with four kinds of concurrency control:
 * - none: SELECT the owner, UPDATE if empty (two buyers can both read "empty": lost update)
 * - mutex: the same inside an in-process lock (holds within one process, not across two)
 * - optimistic: UPDATE ... WHERE version = <read version>; 0 rows changed means someone won first
 * - pessimistic: SELECT ... FOR UPDATE inside a transaction
 * Every buyer told "sold" is logged in `experiment_sales`, so a double booking is visible in
 * MySQL, not only to the client. The real design (Redis hold + unique index) is measured
 * through the real hold and purchase routes, not here.
 */
import type { Pool, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { AppError } from "../../errors.ts";
import type { RaceVariant } from "./model.ts";

export class SeatTakenError extends AppError {
  constructor() {
    super("SEAT_SOLD");
  }
}

/** On only with RACE_EXPERIMENTS=1; refused outright in production. */
export function raceExperimentsEnabled(switchValue: string | undefined, production: boolean): boolean {
  const on = switchValue === "1" || switchValue === "true";
  if (on && production) throw new Error("RACE_EXPERIMENTS cannot be enabled with NODE_ENV=production: the scratch route sells seats without protection");
  return on;
}

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS experiment_seats (seat_id VARCHAR(64) PRIMARY KEY, owner VARCHAR(64) NULL, version INT NOT NULL DEFAULT 0)",
  "CREATE TABLE IF NOT EXISTS experiment_sales (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, seat_id VARCHAR(64) NOT NULL, buyer VARCHAR(64) NOT NULL, variant VARCHAR(16) NOT NULL, INDEX (seat_id))",
];

let schemaReady: Promise<void> | undefined;
function ensureSchema(pool: Pool): Promise<void> {
  schemaReady ??= (async () => {
    for (const sql of SCHEMA) await pool.query(sql);
  })().catch((error) => {
    schemaReady = undefined;
    throw error;
  });
  return schemaReady;
}

/** A per-key lock inside this process: each caller waits for the previous one's turn to end. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export async function resetSeat(pool: Pool, seatId: string) {
  await ensureSchema(pool);
  await pool.query("INSERT INTO experiment_seats (seat_id, owner, version) VALUES (?, NULL, 0) ON DUPLICATE KEY UPDATE owner = NULL, version = 0", [seatId]);
  await pool.query("DELETE FROM experiment_sales WHERE seat_id = ?", [seatId]);
  return seatOutcome(pool, seatId);
}

export async function seatOutcome(pool: Pool, seatId: string) {
  await ensureSchema(pool);
  const [seat] = await pool.query<RowDataPacket[]>("SELECT owner FROM experiment_seats WHERE seat_id = ?", [seatId]);
  const [sales] = await pool.query<RowDataPacket[]>("SELECT buyer FROM experiment_sales WHERE seat_id = ? ORDER BY id", [seatId]);
  return { seatId, owner: (seat[0]?.owner as string | null | undefined) ?? null, sales: sales.length, buyers: sales.map((r) => String(r.buyer)) };
}

async function readCheckWrite(pool: Pool, seatId: string, buyer: string): Promise<void> {
  const [rows] = await pool.query<RowDataPacket[]>("SELECT owner FROM experiment_seats WHERE seat_id = ?", [seatId]);
  if (rows[0]?.owner) throw new SeatTakenError();
  await pool.query("UPDATE experiment_seats SET owner = ? WHERE seat_id = ?", [buyer, seatId]);
}

async function optimistic(pool: Pool, seatId: string, buyer: string): Promise<void> {
  const [rows] = await pool.query<RowDataPacket[]>("SELECT owner, version FROM experiment_seats WHERE seat_id = ?", [seatId]);
  if (rows[0]?.owner) throw new SeatTakenError();
  const [result] = await pool.query<ResultSetHeader>("UPDATE experiment_seats SET owner = ?, version = version + 1 WHERE seat_id = ? AND version = ?", [buyer, seatId, rows[0]?.version ?? 0]);
  if (result.affectedRows !== 1) throw new SeatTakenError();
}

async function pessimistic(pool: Pool, seatId: string, buyer: string): Promise<void> {
  const connection = await pool.getConnection();
  try {
    await connection.beginTransaction();
    const [rows] = await connection.query<RowDataPacket[]>("SELECT owner FROM experiment_seats WHERE seat_id = ? FOR UPDATE", [seatId]);
    if (rows[0]?.owner) {
      await connection.rollback();
      throw new SeatTakenError();
    }
    await connection.query("UPDATE experiment_seats SET owner = ? WHERE seat_id = ?", [buyer, seatId]);
    await connection.commit();
  } catch (error) {
    await connection.rollback().catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}

/** `mutex`: one per app, as one lock per server process would be. */
export async function buySeat(pool: Pool, mutex: KeyedMutex, variant: RaceVariant, seatId: string, buyer: string) {
  await ensureSchema(pool);
  if (variant === "none") await readCheckWrite(pool, seatId, buyer);
  else if (variant === "mutex") await mutex.run(seatId, () => readCheckWrite(pool, seatId, buyer));
  else if (variant === "optimistic") await optimistic(pool, seatId, buyer);
  else await pessimistic(pool, seatId, buyer);
  await pool.query("INSERT INTO experiment_sales (seat_id, buyer, variant) VALUES (?, ?, ?)", [seatId, buyer, variant]);
  return { seatId, buyer, variant };
}

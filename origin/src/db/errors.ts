/** Classifies MySQL failures (drizzle wraps the driver's error in `cause`). */
interface DriverError {
  code?: string;
  errno?: number;
  fatal?: boolean;
  sqlMessage?: string;
  message: string;
}

export function driverError(error: unknown): DriverError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const e = current as DriverError & { cause?: unknown };
    if (typeof e.errno === "number" || typeof e.code === "string") return e;
    current = e.cause;
  }
  return undefined;
}

const ER_DUP_ENTRY = 1062;
const ER_LOCK_DEADLOCK = 1213;
const ER_LOCK_WAIT_TIMEOUT = 1205;

export function isDuplicateKey(error: unknown, index?: string): boolean {
  const e = driverError(error);
  if (e?.errno !== ER_DUP_ENTRY) return false;
  return index === undefined || (e.sqlMessage ?? e.message).includes(index);
}

export function isRetryableConflict(error: unknown): boolean {
  const errno = driverError(error)?.errno;
  return errno === ER_LOCK_DEADLOCK || errno === ER_LOCK_WAIT_TIMEOUT;
}

const CONNECTION_CODES = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ER_SERVER_SHUTDOWN",
  "ER_CON_COUNT_ERROR",
]);

/** The connection broke or never came up: a statement in flight may or may not have run. */
export function isConnectionError(error: unknown): boolean {
  const e = driverError(error);
  if (e) return e.fatal === true || (e.code !== undefined && CONNECTION_CODES.has(e.code));
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (/closed state|connection (is )?closed|connection lost|socket|ECONNRESET|EPIPE/i.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** MySQL answered the statement with an SQL error: it surely did not commit. */
export function isSqlError(error: unknown): boolean {
  const e = driverError(error);
  return e !== undefined && typeof e.errno === "number" && e.fatal !== true && typeof e.sqlMessage === "string";
}

/**
 * Classifies MySQL failures by the driver's fields (errno, code, fatal), never by message
 * text; drizzle wraps the driver's error in `cause`.
 */
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
    if (typeof e.errno === "number" || typeof e.code === "string" || typeof e.fatal === "boolean") return e;
    current = e.cause;
  }
  return undefined;
}

const ER_DUP_ENTRY = 1062;
const ER_LOCK_DEADLOCK = 1213;
const ER_LOCK_WAIT_TIMEOUT = 1205;

/**
 * The unique index a duplicate entry ran into. MySQL hands the index over only inside its
 * ER_DUP_ENTRY message, in a fixed format: "Duplicate entry '<value>' for key '<index>'"
 * (MySQL 8 writes '<table>.<index>'); nothing else in an error is read from its text.
 */
const DUPLICATE_KEY_NAME = /for key '(?:[^'.]*\.)?([^'.]+)'$/;

export function isDuplicateKey(error: unknown, index?: string): boolean {
  const e = driverError(error);
  if (e?.errno !== ER_DUP_ENTRY) return false;
  return index === undefined || DUPLICATE_KEY_NAME.exec(e.sqlMessage ?? "")?.[1] === index;
}

/** A CHECK constraint refused the row: MariaDB's ER_CONSTRAINT_FAILED, MySQL 8's ER_CHECK_CONSTRAINT_VIOLATED. */
const CHECK_VIOLATIONS = new Set([4025, 3819]);

export function isCheckViolation(error: unknown): boolean {
  const errno = driverError(error)?.errno;
  return errno !== undefined && CHECK_VIOLATIONS.has(errno);
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

/**
 * The connection broke or never came up: a statement in flight may or may not have run.
 * mysql2 marks every error that ends a connection `fatal` (also "Can't add new command
 * when connection is in closed state", which carries no code).
 */
export function isConnectionError(error: unknown): boolean {
  const e = driverError(error);
  return e !== undefined && (e.fatal === true || (e.code !== undefined && CONNECTION_CODES.has(e.code)));
}

/** MySQL answered the statement with an SQL error: it surely did not commit. */
export function isSqlError(error: unknown): boolean {
  const e = driverError(error);
  return e !== undefined && typeof e.errno === "number" && e.fatal !== true && typeof e.sqlMessage === "string";
}

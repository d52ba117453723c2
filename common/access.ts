/**
 * Access codes, shared by the edge and the origin so both read a code the same way: how
 * a code is written, generated and hashed (only the hash is stored, in MySQL and Redis).
 * Web Crypto only: it runs in workerd and Bun.
 */

/** What a fan may type: letters, digits and '-', 4 to 64 of them; case and spaces do not matter. */
export const ACCESS_CODE_PATTERN = /^[A-Z0-9-]{4,64}$/;

/** The code as it is hashed: trimmed, inner spaces removed, upper case; null when it cannot be a code. */
export function normalizeAccessCode(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  const code = raw.replace(/\s+/g, "").toUpperCase();
  return ACCESS_CODE_PATTERN.test(code) ? code : null;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** hex SHA-256 of `access-code:<eventId>:<normalized code>`: the code's id in MySQL and its Redis key. */
export function accessCodeHash(eventId: string, code: string): Promise<string> {
  return sha256Hex(`access-code:${eventId}:${code}`);
}

/** Random code an organiser did not choose: 16 characters of a 32-letter alphabet (80 bits), as XXXX-XXXX-XXXX-XXXX. */
export function generateAccessCode(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let code = "";
  for (let i = 0; i < 16; i++) code += (i > 0 && i % 4 === 0 ? "-" : "") + alphabet[bytes[i]! % 32];
  return code;
}

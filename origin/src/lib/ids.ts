/** Random, unguessable ids (128 bits, base64url) with a readable prefix. */
export function randomId(prefix: string): string {
  return `${prefix}_${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url")}`;
}

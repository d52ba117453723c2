/**
 * Redis replies in the shape @upstash/redis reads them. With `Upstash-Encoding: base64`
 * every string is sent as base64 of its bytes, inside arrays too, except a top-level
 * "OK", which the client takes as it is. Integers and nil pass through as JSON.
 */
const OK = "OK";

export function encodeReply(reply: unknown, base64: boolean): unknown {
  if (base64 && (reply === OK || (Buffer.isBuffer(reply) && reply.length === 2 && reply[0] === 0x4f && reply[1] === 0x4b))) return OK;
  return encode(reply, base64);
}

function encode(value: unknown, base64: boolean): unknown {
  if (Buffer.isBuffer(value)) return value.toString(base64 ? "base64" : "utf8");
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  if (typeof value === "string") return base64 ? Buffer.from(value).toString("base64") : value;
  // a script may nest an error reply in a table; Upstash sends it as text
  if (value instanceof Error) return encode(value.message, base64);
  return value ?? null;
}

/**
 * CIDR ranges (IPv4 and IPv6) for the bypass rules: parsed once where a rule is made (the
 * origin refuses a bad one) and matched per request at the edge, with no library, in
 * workerd and Bun alike. Addresses are compared as bigints of 32 or 128 bits.
 */

export interface Cidr {
  v: 4 | 6;
  /** the network address, host bits cleared */
  base: bigint;
  bits: number;
}

function parseV4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return null;
    n = (n << 8n) | BigInt(part);
  }
  return n;
}

function parseV6(text: string): bigint | null {
  let head = text;
  let tailV4: bigint | null = null;
  // an embedded IPv4 tail (::ffff:192.0.2.1) stands for the last two groups
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  let n = 0n;
  for (const g of [...left, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...right]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== null) n = (n & ~0xffffffffn) | tailV4;
  return n;
}

/** An address as [version, value], or null when it is not one. IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as IPv4. */
export function parseIp(text: string): { v: 4 | 6; n: bigint } | null {
  const t = text.trim();
  if (t.includes(":")) {
    const n = parseV6(t.replace(/^\[|\]$/g, ""));
    if (n === null) return null;
    if (n >> 32n === 0xffffn) return { v: 4, n: n & 0xffffffffn };
    return { v: 6, n };
  }
  const n = parseV4(t);
  return n === null ? null : { v: 4, n };
}

/** `a.b.c.d/n` or `x:y::/n` (no prefix length: one address); null when not a range. */
export function parseCidr(text: string): Cidr | null {
  if (typeof text !== "string" || text.length > 64) return null;
  const [addr, len, extra] = text.trim().split("/");
  if (extra !== undefined || !addr) return null;
  const ip = addr.includes(":") ? ((n) => (n === null ? null : { v: 6 as const, n }))(parseV6(addr)) : parseIp(addr);
  if (!ip) return null;
  const width = ip.v === 4 ? 32 : 128;
  if (len !== undefined && !/^(0|[1-9]\d{0,2})$/.test(len)) return null;
  const bits = len === undefined ? width : Number(len);
  if (bits > width) return null;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return { v: ip.v, base: ip.n & mask, bits };
}

/** The range written the one way it is kept and shown: network address, host bits cleared, and its length. */
export function formatCidr(c: Cidr): string {
  if (c.v === 4) {
    const n = c.base;
    return `${[24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".")}/${c.bits}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => ((c.base >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // the longest run of zero groups (two or more) becomes "::"
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const text = best < 0 ? groups.join(":") : `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
  return `${text}/${c.bits}`;
}

/** Whether the address is in the range (an IPv4 address never in an IPv6 range, and back). */
export function inCidr(c: Cidr, ip: { v: 4 | 6; n: bigint }): boolean {
  if (c.v !== ip.v) return false;
  const width = c.v === 4 ? 32 : 128;
  const mask = c.bits === 0 ? 0n : ((1n << BigInt(c.bits)) - 1n) << BigInt(width - c.bits);
  return (ip.n & mask) === c.base;
}

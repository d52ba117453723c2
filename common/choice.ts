/**
 * A fan's declared choice (how many seats, and a tier or a price cap), as the edge stores
 * it in the `choices` hash and the scheduler's seat budgets read it: `<quantity>|<tier>|<maxPriceCents>`
 * (tier and cap may be empty). admitFans-12.lua reads the same format; the reach rule here
 * is the one it applies.
 */
export interface DeclaredChoice {
  quantity: number;
  tier?: string;
  maxPriceCents?: number;
}

export function encodeChoice(c: DeclaredChoice): string {
  return `${c.quantity}|${c.tier ?? ""}|${c.maxPriceCents ?? ""}`;
}

export function parseChoice(raw: string | null | undefined): DeclaredChoice | null {
  const m = /^(\d+)\|([^|]*)\|(\d*)$/.exec(raw ?? "");
  if (!m) return null;
  return { quantity: Number(m[1]), ...(m[2] ? { tier: m[2] } : {}), ...(m[3] ? { maxPriceCents: Number(m[3]) } : {}) };
}

/**
 * The seats a choice counts and the tiers it may take: the tier named; else the tiers with a
 * seat at or under the price cap; else every tier. No choice: `undeclared` seats of every tier.
 */
export function reachOf(c: DeclaredChoice | null, tiers: ReadonlyArray<{ tier: string; lowestPriceCents: number }>, undeclared: number): { quantity: number; reach: string[] } {
  if (!c) return { quantity: undeclared, reach: tiers.map((t) => t.tier) };
  if (c.tier !== undefined) return { quantity: c.quantity, reach: [c.tier] };
  if (c.maxPriceCents !== undefined) return { quantity: c.quantity, reach: tiers.filter((t) => t.lowestPriceCents <= c.maxPriceCents!).map((t) => t.tier) };
  return { quantity: c.quantity, reach: tiers.map((t) => t.tier) };
}

/**
 * The tiers of a reach that can still serve the choice: those with at least `quantity` unsold
 * seats. Only these count the fan's seats; a tier with fewer unsold seats than the fan declared
 * cannot serve them, so it neither counts them nor holds them back (an any-tier fan for 4 is not
 * stopped by a tier with 1 seat left). Empty: no tier can serve the choice as declared.
 */
export function servingTiers(quantity: number, reach: readonly string[], unsold: Readonly<Record<string, number>>): string[] {
  return reach.filter((t) => (unsold[t] ?? 0) >= quantity);
}

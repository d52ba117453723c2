/**
 * An environment variable as the code that reads it declares it: its default (or what unset
 * means), its bounds and one line of doc. Each parser takes its defaults and bounds from its
 * declarations, and `bun docs/generate.ts` writes docs/reference/configuration.md from the
 * same declarations, so the reference cannot drift from what the code reads.
 */
export interface EnvVariable {
  /** the value an unset variable takes; absent when unset is an error or means something `unset` explains */
  default?: string | number;
  /** what unset means, in words, when it is not one plain default (required, derived, depends on NODE_ENV) */
  unset?: string;
  /** lowest and highest value of a number */
  min?: number;
  max?: number;
  /** a number must lie above this (exclusive), where `min` is not given */
  above?: number;
  /** the words accepted, for a choice */
  choices?: readonly string[];
  /** what it does, one line */
  doc: string;
}

/** The declarations of one parser, by variable name. */
export type EnvVariables = Record<string, EnvVariable>;

/** Checks a parser's declarations once, where they are written: names are variable names, defaults lie within bounds. */
export function declareVariables<const T extends EnvVariables>(owner: string, variables: T): T {
  for (const [name, v] of Object.entries(variables)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`${owner}: ${name} is not an environment variable name`);
    if (typeof v.default === "number" && ((v.min !== undefined && v.default < v.min) || (v.max !== undefined && v.default > v.max)))
      throw new Error(`${owner}: ${name}'s default ${v.default} is outside its bounds`);
    if (v.default === undefined && v.unset === undefined) throw new Error(`${owner}: ${name} needs a default or words saying what unset means`);
  }
  return variables;
}

/** A number variable's declaration, as its parser needs it. */
export function numberBounds(owner: string, name: string, v: EnvVariable | undefined): { default: number; min: number; max: number } {
  if (!v || typeof v.default !== "number" || v.min === undefined || v.max === undefined) throw new Error(`${owner}: ${name} is not declared as a number with a default and bounds`);
  return { default: v.default, min: v.min, max: v.max };
}

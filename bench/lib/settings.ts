/**
 * A bench scenario's settings, declared once: the environment variable, its default, its
 * bounds and a one-line doc. The declarations are parsed from the environment once, checked
 * against their bounds (a bad value stops the run before anything starts, naming the
 * variable), listed by `bun run bench <scenario> --help`, printed into every results file
 * (so a result says how it was run) and turned into the tables of bench/README.md.
 */

/** One setting. `default` undefined: unset means "derived in the run", which `derived` explains. */
export type Setting =
  | { kind: "number"; integer: boolean; min: number; max: number; default?: number; derived?: string; doc: string }
  | { kind: "numbers"; min: number; max: number; default: number[]; doc: string }
  | { kind: "choices"; choices: readonly string[]; default: string[]; doc: string }
  | { kind: "text"; pattern: RegExp; shape: string; default?: string; derived?: string; doc: string }
  | { kind: "flag"; default: boolean; doc: string };

type Bounds = { min: number; max: number; doc: string };

/** A whole number within bounds; without a default it is optional (`derived` says what unset means). */
export function int(o: Bounds & { default: number }): Setting & { kind: "number"; default: number };
export function int(o: Bounds & { derived: string }): Setting & { kind: "number"; default?: undefined };
export function int(o: Bounds & { default?: number; derived?: string }): Setting {
  return { kind: "number", integer: true, ...o };
}

/** Any number within bounds. */
export function num(o: Bounds & { default: number }): Setting & { kind: "number"; default: number };
export function num(o: Bounds & { derived: string }): Setting & { kind: "number"; default?: undefined };
export function num(o: Bounds & { default?: number; derived?: string }): Setting {
  return { kind: "number", integer: false, ...o };
}

/** A comma-separated list of whole numbers, each within bounds. */
export const ints = (o: Bounds & { default: number[] }) => ({ kind: "numbers", ...o }) as const satisfies Setting;

/** A comma-separated subset of `choices`, in the order given. */
export const choices = <const C extends string>(o: { choices: readonly C[]; default: C[]; doc: string }) => ({ kind: "choices", ...o }) as const satisfies Setting;

/** Free text matching `pattern`; `shape` says what it is in words (a file name, a folder). */
export function text(o: { pattern: RegExp; shape: string; default: string; doc: string }): Setting & { kind: "text"; default: string };
export function text(o: { pattern: RegExp; shape: string; derived: string; doc: string }): Setting & { kind: "text"; default?: undefined };
export function text(o: { pattern: RegExp; shape: string; default?: string; derived?: string; doc: string }): Setting {
  return { kind: "text", ...o };
}

/** 1 or 0. */
export const flag = (o: { default: boolean; doc: string }) => ({ kind: "flag", ...o }) as const satisfies Setting;

type ValueOf<S extends Setting> = S extends { kind: "number" }
  ? S extends { default: number }
    ? number
    : number | undefined
  : S extends { kind: "numbers" }
    ? number[]
    : S extends { kind: "choices"; choices: readonly (infer C)[] }
      ? C[]
      : S extends { kind: "text" }
        ? S extends { default: string }
          ? string
          : string | undefined
        : boolean;

export type Values<D extends Record<string, Setting>> = { [K in keyof D]: ValueOf<D[K]> };

/** What a results file records: every setting's value and whether the environment set it. */
export type EffectiveSettings = Record<string, { value: number | number[] | string | string[] | boolean | null; from: "environment" | "default" | "unset" | "derived" }>;

export class SettingError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = "SettingError";
  }
}

export interface Parsed<D extends Record<string, Setting>> {
  values: Values<D>;
  /** for the results files */
  effective: EffectiveSettings;
  /** Records the value the run derived for an unset setting (so the results show it) and returns it. */
  derived<T extends number | string>(name: keyof D & string, value: T): T;
}

export interface Declared<D extends Record<string, Setting>> {
  scenario: string;
  declarations: D;
  /** Reads and checks every setting; throws a SettingError naming the first bad variable. */
  parse(env?: Record<string, string | undefined>): Parsed<D>;
}

export function declareSettings<D extends Record<string, Setting>>(scenario: string, declarations: D): Declared<D> {
  for (const [name, s] of Object.entries(declarations)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`${scenario}: ${name} is not an environment variable name`);
    if (s.kind === "number" && s.default !== undefined && !within(s, s.default)) throw new Error(`${scenario}: ${name}'s default ${s.default} is outside its bounds`);
  }
  return {
    scenario,
    declarations,
    parse(env = process.env) {
      const values: Record<string, unknown> = {};
      const effective: EffectiveSettings = {};
      for (const [name, s] of Object.entries(declarations)) {
        const raw = env[name];
        const set = raw !== undefined && raw.trim() !== "";
        const value = set ? read(name, s, raw.trim()) : s.default;
        values[name] = value;
        effective[name] = { value: (value ?? null) as EffectiveSettings[string]["value"], from: set ? "environment" : value === undefined ? "unset" : "default" };
      }
      const derived = <T extends number | string>(name: string, value: T): T => {
        if (effective[name]?.from === "unset") effective[name] = { value, from: "derived" };
        return value;
      };
      return { values: values as Values<D>, effective, derived };
    },
  };
}

function within(s: { integer: boolean; min: number; max: number }, n: number): boolean {
  return Number.isFinite(n) && n >= s.min && n <= s.max && (!s.integer || Number.isInteger(n));
}

function read(name: string, s: Setting, raw: string): unknown {
  switch (s.kind) {
    case "number": {
      const n = Number(raw.replaceAll("_", ""));
      if (!within(s, n)) throw new SettingError(name, `${JSON.stringify(raw)} is not ${s.integer ? "a whole number" : "a number"} from ${s.min} to ${s.max} (${s.doc})`);
      return n;
    }
    case "numbers": {
      const items = raw.split(",").map((x) => x.trim()).filter(Boolean);
      const ns = items.map((x) => Number(x.replaceAll("_", "")));
      if (ns.length === 0 || ns.some((n) => !within({ integer: true, min: s.min, max: s.max }, n)))
        throw new SettingError(name, `${JSON.stringify(raw)} is not a comma-separated list of whole numbers from ${s.min} to ${s.max} (${s.doc})`);
      return ns;
    }
    case "choices": {
      const items = raw.split(",").map((x) => x.trim()).filter(Boolean);
      const unknown = items.filter((x) => !s.choices.includes(x));
      if (items.length === 0 || unknown.length > 0) throw new SettingError(name, `${JSON.stringify(raw)}: expected a comma-separated list of ${s.choices.join(", ")} (${s.doc})`);
      return items;
    }
    case "text":
      if (!s.pattern.test(raw)) throw new SettingError(name, `${JSON.stringify(raw)} is not ${s.shape} (${s.doc})`);
      return raw;
    case "flag":
      if (raw !== "0" && raw !== "1") throw new SettingError(name, `${JSON.stringify(raw)}: expected 1 or 0 (${s.doc})`);
      return raw === "1";
  }
}

/** The default as a person reads it: `200`, `100,1000`, `unset: 3 x the fans`. */
export function defaultText(s: Setting): string {
  switch (s.kind) {
    case "number":
      return s.default === undefined ? `unset: ${s.derived}` : s.default.toLocaleString("en-US");
    case "numbers":
    case "choices":
      return s.default.join(",");
    case "text":
      return s.default === undefined ? `unset: ${s.derived}` : s.default;
    case "flag":
      return s.default ? "1" : "0";
  }
}

/** What values the setting takes: `1..10,000`, `wrangler, miniflare`, `1 or 0`. */
export function boundsText(s: Setting): string {
  const n = (x: number) => x.toLocaleString("en-US");
  switch (s.kind) {
    case "number":
      return `${n(s.min)}..${n(s.max)}${s.integer ? "" : " (any number)"}`;
    case "numbers":
      return `list of ${n(s.min)}..${n(s.max)}`;
    case "choices":
      return `list of ${s.choices.join(", ")}`;
    case "text":
      return s.shape;
    case "flag":
      return "1 or 0";
  }
}

/** `bun run bench <scenario> --help`. */
export function helpText(d: Declared<Record<string, Setting>>, summary: string): string {
  const rows = Object.entries(d.declarations);
  const width = Math.max(...rows.map(([name]) => name.length), 8);
  return [
    `bun run bench ${d.scenario}: ${summary}`,
    "",
    "settings (environment variables):",
    ...rows.flatMap(([name, s]) => [`  ${name.padEnd(width)}  ${s.doc}`, `  ${"".padEnd(width)}  default ${defaultText(s)}; ${boundsText(s)}`]),
  ].join("\n");
}

/** The settings table of a scenario in bench/README.md. */
export function readmeTable(d: Declared<Record<string, Setting>>): string {
  const cell = (x: string) => x.replaceAll("|", "\\|");
  return [
    "| setting | default | values | what |",
    "|---|---|---|---|",
    ...Object.entries(d.declarations).map(([name, s]) => `| \`${name}\` | ${cell(defaultText(s))} | ${cell(boundsText(s))} | ${cell(s.doc)} |`),
  ].join("\n");
}

/** The settings section of a results file (Markdown). */
export function settingsMarkdown(effective: EffectiveSettings): string[] {
  const shown = (v: EffectiveSettings[string]["value"]) => (v === null ? "-" : Array.isArray(v) ? v.join(",") : typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  return [
    "## Settings",
    "",
    "| setting | value | from |",
    "|---|---|---|",
    ...Object.entries(effective).map(([name, e]) => `| \`${name}\` | ${shown(e.value)} | ${e.from === "derived" ? "derived in the run" : e.from} |`),
    "",
  ];
}

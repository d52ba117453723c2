/**
 * The bench settings: declared once, parsed once, checked against their bounds (a bad value
 * names its variable), and every scenario's declarations parse from an empty environment.
 */
import { describe, expect, test } from "bun:test";
import { choices, declareSettings, flag, helpText, int, ints, num, SettingError, settingsMarkdown, text } from "../lib/settings.ts";
import { scenarios } from "../scenarios.ts";

const demo = declareSettings("demo", {
  BENCH_RATE: num({ default: 200, min: 0.1, max: 1000, doc: "fans per second" }),
  BENCH_FANS: int({ min: 1, max: 100, derived: "from the capacity", doc: "fans" }),
  BENCH_STREAMS: ints({ default: [100, 1000], min: 1, max: 10_000, doc: "stream counts" }),
  BENCH_RUNTIMES: choices({ choices: ["wrangler", "miniflare"], default: ["wrangler", "miniflare"], doc: "runtimes" }),
  BENCH_PATH: flag({ default: true, doc: "measure the path" }),
  BENCH_OUT: text({ default: "demo", pattern: /^[a-z]+$/, shape: "a lower-case word", doc: "file name" }),
});

describe("parse", () => {
  test("an empty environment gives the defaults; a setting without one stays unset until the run derives it", () => {
    const parsed = demo.parse({});
    expect(parsed.values).toEqual({ BENCH_RATE: 200, BENCH_FANS: undefined, BENCH_STREAMS: [100, 1000], BENCH_RUNTIMES: ["wrangler", "miniflare"], BENCH_PATH: true, BENCH_OUT: "demo" });
    expect(parsed.effective.BENCH_RATE).toEqual({ value: 200, from: "default" });
    expect(parsed.effective.BENCH_FANS).toEqual({ value: null, from: "unset" });
    expect(parsed.derived("BENCH_FANS", 42)).toBe(42);
    expect(parsed.effective.BENCH_FANS).toEqual({ value: 42, from: "derived" });
  });

  test("values from the environment are read and marked as such", () => {
    const parsed = demo.parse({ BENCH_RATE: "2.5", BENCH_FANS: "20", BENCH_STREAMS: "1, 10,100", BENCH_RUNTIMES: "miniflare", BENCH_PATH: "0", BENCH_OUT: "tiny" });
    expect(parsed.values).toEqual({ BENCH_RATE: 2.5, BENCH_FANS: 20, BENCH_STREAMS: [1, 10, 100], BENCH_RUNTIMES: ["miniflare"], BENCH_PATH: false, BENCH_OUT: "tiny" });
    expect(parsed.effective.BENCH_FANS).toEqual({ value: 20, from: "environment" });
    // a value the environment gave is never replaced by a derived one
    parsed.derived("BENCH_FANS", 99);
    expect(parsed.effective.BENCH_FANS).toEqual({ value: 20, from: "environment" });
  });

  test("an empty value counts as unset", () => {
    expect(demo.parse({ BENCH_RATE: "" }).values.BENCH_RATE).toBe(200);
  });

  for (const [variable, raw] of [
    ["BENCH_RATE", "fast"],
    ["BENCH_RATE", "0"],
    ["BENCH_RATE", "1001"],
    ["BENCH_FANS", "2.5"],
    ["BENCH_FANS", "101"],
    ["BENCH_STREAMS", "100,x"],
    ["BENCH_STREAMS", "0"],
    ["BENCH_RUNTIMES", "wrangler,workerd"],
    ["BENCH_PATH", "yes"],
    ["BENCH_OUT", "../etc"],
  ] as const) {
    test(`${variable}=${raw} is refused, naming the variable and what it takes`, () => {
      let error: unknown;
      try {
        demo.parse({ [variable]: raw });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SettingError);
      expect((error as SettingError).variable).toBe(variable);
      expect((error as SettingError).message).toStartWith(`${variable}: ${JSON.stringify(raw)}`);
      expect((error as SettingError).message).toContain(demo.declarations[variable].doc);
    });
  }

  test("a default outside its own bounds is a mistake found when the scenario loads", () => {
    expect(() => declareSettings("bad", { BENCH_X: int({ default: 0, min: 1, max: 2, doc: "x" }) })).toThrow("BENCH_X's default 0 is outside its bounds");
  });
});

describe("what a person sees", () => {
  test("--help lists every setting with its default, bounds and doc", () => {
    const help = helpText(demo, "a demo");
    expect(help).toStartWith("bun run bench demo: a demo");
    for (const [name, s] of Object.entries(demo.declarations)) {
      expect(help).toContain(name);
      expect(help).toContain(s.doc);
    }
    expect(help).toContain("default unset: from the capacity; 1..100");
    expect(help).toContain("default 100,1000; list of 1..10,000");
    expect(help).toContain("default demo; a lower-case word");
  });

  test("a results file's settings section shows each value and where it came from", () => {
    const parsed = demo.parse({ BENCH_RATE: "5" });
    parsed.derived("BENCH_FANS", 7);
    const md = settingsMarkdown(parsed.effective).join("\n");
    expect(md).toContain("| `BENCH_RATE` | 5 | environment |");
    expect(md).toContain("| `BENCH_FANS` | 7 | derived in the run |");
    expect(md).toContain("| `BENCH_STREAMS` | 100,1000 | default |");
    expect(md).toContain("| `BENCH_PATH` | 1 | default |");
  });
});

describe("every scenario", () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    test(`${name} declares its settings under its own name and they parse from an empty environment`, async () => {
      const { settings } = await scenario.load();
      expect(settings.scenario).toBe(name);
      expect(Object.keys(settings.declarations).length).toBeGreaterThan(0);
      const { effective } = settings.parse({});
      expect(Object.keys(effective)).toEqual(Object.keys(settings.declarations));
      for (const s of Object.values(settings.declarations)) expect(s.doc.length).toBeGreaterThan(0);
    });
  }
});

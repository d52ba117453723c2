/**
 * What edge and origin must agree on has one value: a variable both sides read takes the
 * same default on each (the edge once documented a 120 s claim window it never used while
 * the scheduler wrote 60 s deadlines), and the claim window is read where the deadlines are
 * written, by the scheduler alone.
 */
import { describe, expect, test } from "bun:test";
import { CLAIM_WINDOW, PRESENCE_GRACE } from "../common/shared-settings.ts";
import { parseSchedulerConfig, schedulerVariables } from "../origin/src/admission/config.ts";
import { edgeVariables } from "../edge/src/env.ts";

describe("settings edge and origin share", () => {
  test("a variable both sides read has the same default on each", () => {
    const both = Object.keys(edgeVariables).filter((name) => name in schedulerVariables) as Array<keyof typeof edgeVariables & keyof typeof schedulerVariables>;
    expect(both).toContain(PRESENCE_GRACE.env);
    for (const name of both) expect(edgeVariables[name].default, name).toEqual(schedulerVariables[name].default);
  });

  test("the presence grace and the claim window take their defaults from common/shared-settings.ts", () => {
    const config = parseSchedulerConfig({});
    expect(config.presenceGraceMs).toBe(PRESENCE_GRACE.defaultSeconds * 1000);
    expect(config.defaultClaimSeconds).toBe(CLAIM_WINDOW.defaultSeconds);
    expect(edgeVariables[PRESENCE_GRACE.env].default).toBe(PRESENCE_GRACE.defaultSeconds);
  });

  test("only the scheduler reads the claim window, under either name, the newer one first", () => {
    expect(CLAIM_WINDOW.env in edgeVariables || CLAIM_WINDOW.olderEnv in edgeVariables).toBe(false);
    expect(parseSchedulerConfig({ [CLAIM_WINDOW.olderEnv]: "90" }).defaultClaimSeconds).toBe(90);
    expect(parseSchedulerConfig({ [CLAIM_WINDOW.olderEnv]: "90", [CLAIM_WINDOW.env]: "45" }).defaultClaimSeconds).toBe(45);
  });
});

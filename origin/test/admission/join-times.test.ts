/**
 * When each queue number was handed out, as the leader learns it from the counter it sees on
 * every tick (origin/src/admission/join-times.ts): the sale report's time in line rests on it.
 */
import { describe, expect, test } from "bun:test";
import { JoinTimes } from "../../src/admission/join-times.ts";

describe("join times from the counter's steps", () => {
  test("a number is dated by the first tick that saw the counter reach it", () => {
    const j = new JoinTimes();
    j.add(1000, 0);
    j.add(1200, 30);
    j.add(1400, 30);
    j.add(1600, 45);
    expect([1, 30, 31, 45].map((n) => j.at(n))).toEqual([1200, 1200, 1600, 1600]);
    // beyond what the counter reached: not dated
    expect(j.at(46)).toBeNull();
  });

  test("numbers reached before the first step watched have no date (a leader that took over mid-sale)", () => {
    const j = new JoinTimes();
    j.add(5000, 100);
    j.add(5200, 120);
    expect(j.at(100)).toBeNull();
    expect(j.at(101)).toBe(5200);
  });

  test("steps below the serving pointer go, and the numbers above it keep their dates", () => {
    const j = new JoinTimes();
    for (let i = 0; i <= 100; i++) j.add(i * 200, i * 10);
    j.prune(505);
    expect(j.at(506)).toBe(51 * 200);
    expect(j.at(1000)).toBe(100 * 200);
  });

  test("a counter that went back (a restore) or a clock that did starts the steps again", () => {
    const j = new JoinTimes();
    j.add(1000, 50);
    j.add(1200, 60);
    j.add(1400, 40);
    expect(j.at(55)).toBeNull();
    j.add(1600, 70);
    expect(j.at(55)).toBe(1600);
  });
});

/**
 * How much of a join's cost beyond the bare route is the HTTP exchange itself: a Worker that
 * does no work (bench/workers/answer-shape.js) in its own workerd (Miniflare), loaded by wrk
 * a second at a time, interleaved: "ok" to a GET (the bare route's shape), "ok" to a POST,
 * and a join-shaped answer to a POST; with workerd's CPU per request of each.
 * `bun bench/experiments/answer-shape.ts [rounds]`
 */
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { freePort } from "../../test/kit/free-port.ts";
import { cpuSeconds } from "../lib/process-cpu.ts";
import { WrkMeter } from "../lib/wrk.ts";

const rounds = Number(process.argv[2] ?? 6);
const miniflare = new Miniflare({ modules: true, scriptPath: join(import.meta.dir, "..", "workers", "answer-shape.js"), compatibilityDate: "2026-04-01", host: "127.0.0.1", port: await freePort() });
const url = String(await miniflare.ready).replace(/\/$/, "");
// the workerd Miniflare started last: this one
const pid = Number(Bun.spawnSync(["pgrep", "-n", "-x", "workerd"]).stdout.toString().trim());
const cpu = () => cpuSeconds(pid) ?? 0;
const meters = [new WrkMeter("GET ok", `${url}/ok`, "GET", 64, "identity"), new WrkMeter("POST ok", `${url}/ok`, "POST", 64, "identity"), new WrkMeter("POST join-shaped", `${url}/join-shaped`, "POST", 64, "identity")];
const spent = meters.map(() => 0);
for (const m of meters) await new WrkMeter(m.name, m.url, m.method, 64, "identity").slice(1);
for (let r = 0; r < rounds; r++) {
  for (const [i, m] of meters.entries()) {
    const before = cpu();
    await m.slice(1);
    spent[i]! += cpu() - before;
  }
}
const base = meters[0]!.result().perSecond;
for (const [i, m] of meters.entries()) {
  const r = m.print();
  console.log(`    ${((spent[i]! / r.ops) * 1e6).toFixed(0)} us of workerd CPU a request; ${(r.perSecond / base).toFixed(2)} of GET ok`);
}
await miniflare.dispose();

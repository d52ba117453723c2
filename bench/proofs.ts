/**
 * `bun run bench proofs`: what device binding costs an /api call. The Worker in workerd
 * (Miniflare) forwards to a stand-in origin that answers at once, so the edge's own work is
 * what is measured; in interleaved rounds, the same calls go with an unbound active token
 * and with a bound one and a fresh DPoP proof each (made before the phase, so the client's
 * signing is not counted): a read (GET, replays checked in the isolate) and a change (POST,
 * replays also checked in Redis, one SET NX PX). Reported: latency p50/p95 of each, the
 * difference, and workerd's CPU per call (from /proc), whose difference is the CPU of one
 * proof verification (jose ES256 verify, thumbprint, ath hash). Also the same verification
 * in this process (Bun), for reference.
 *
 * Settings: `settings` below (`bun run bench proofs --help`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { eventKeys } from "../common/keys.ts";
import { readProof } from "../edge/src/dpop.ts";
import { startBridge } from "../test/kit/bridge.ts";
import { ensureDevSecrets } from "../test/kit/dev-secrets.ts";
import { makeDeviceKey, type DeviceKeyClient } from "../test/kit/dpop.ts";
import { admitNextFans } from "../test/kit/admit.ts";
import { openWaitingRoom } from "../test/kit/waiting-room.ts";
import { startWorkerdEdge } from "../test/kit/workerd-edge.ts";
import { ProcessCpu } from "./lib/process-cpu.ts";
import { summarizeMs, type LatencySummary } from "./lib/latency.ts";
import { declareSettings, int } from "./lib/settings.ts";
import Redis from "ioredis";

export const settings = declareSettings("proofs", {
  BENCH_REQUESTS: int({ default: 1000, min: 10, max: 100_000, doc: "calls per phase per round (proofs are made before the phase; keep a phase under the 60 s proof window)" }),
  BENCH_CONCURRENCY: int({ default: 8, min: 1, max: 256, doc: "calls in flight at once" }),
  BENCH_ROUNDS: int({ default: 3, min: 1, max: 20, doc: "interleaved rounds: every phase runs in each" }),
});

/** The workerd process this process started (its child), so other workerd processes on the machine are not counted. */
function childWorkerd(): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "workerd") continue;
      const ppid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]);
      if (ppid === process.pid) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

interface Fan {
  token: string;
  key: DeviceKeyClient | null;
}

export async function run(_args: string[] = []): Promise<void> {
  const { values, effective } = settings.parse();
  const { BENCH_REQUESTS: N, BENCH_CONCURRENCY: C, BENCH_ROUNDS: ROUNDS } = values;
  const secrets = await ensureDevSecrets();
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const redis = new Redis(redisUrl);
  const bridge = await startBridge({ redisUrl, token: secrets.UPSTASH_REDIS_REST_TOKEN });
  const upstream = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => Response.json({ ok: true }, { status: req.method === "POST" ? 201 : 200 }) });
  const edge = await startWorkerdEdge({ upstashUrl: bridge.url, originUrl: `http://127.0.0.1:${upstream.port}`, vars: { JOIN_LIMIT_PER_MINUTE: "100000" } });
  const eventId = `bench-proofs-${Date.now().toString(36)}`;
  try {
    await openWaitingRoom(redis, eventId, { deviceBinding: "optional" });
    const fan = async (key: DeviceKeyClient | null): Promise<Fan> => {
      const joinUrl = `${edge.url}/queue/${eventId}/join`;
      const joined = (await (await fetch(joinUrl, { method: "POST", headers: key ? { dpop: await key.proof("POST", joinUrl) } : {} })).json()) as { ticket: string };
      await admitNextFans(redis, eventId, 1);
      const claimUrl = `${edge.url}/queue/${eventId}/claim`;
      const headers: Record<string, string> = { "x-queue-ticket": joined.ticket };
      if (key) headers.dpop = await key.proof("POST", claimUrl, { token: joined.ticket });
      const claimed = await fetch(claimUrl, { method: "POST", headers });
      if (claimed.status !== 200) throw new Error(`claim: ${claimed.status} ${await claimed.text()}`);
      return { token: ((await claimed.json()) as { activeToken: string }).activeToken, key };
    };
    const unbound = await fan(null);
    const bound = await fan(await makeDeviceKey());
    const pid = childWorkerd();
    const cpu = new ProcessCpu({ workerd: pid });
    const latencies = new Map<string, number[]>();

    const phase = async (label: string, method: "GET" | "POST", who: Fan) => {
      const url = method === "GET" ? `${edge.url}/api/events/${eventId}/seats` : `${edge.url}/api/events/${eventId}/holds`;
      const proofs = who.key ? await Promise.all(Array.from({ length: N }, () => who.key!.proof(method, url, { token: who.token }))) : [];
      const times = latencies.get(label) ?? [];
      let next = 0;
      await cpu.measure(label, () =>
        Promise.all(
          Array.from({ length: C }, async () => {
            for (let i = next++; i < N; i = next++) {
              const headers: Record<string, string> = { authorization: `${who.key ? "DPoP" : "Bearer"} ${who.token}` };
              if (who.key) headers.dpop = proofs[i]!;
              if (method === "POST") headers["content-type"] = "application/json";
              const t0 = performance.now();
              const res = await fetch(url, { method, headers, body: method === "POST" ? "{}" : undefined });
              await res.arrayBuffer();
              times.push(performance.now() - t0);
              if (res.status >= 300) throw new Error(`${label}: ${res.status}`);
            }
          }),
        ),
      );
      latencies.set(label, times);
    };

    console.log(`bench proofs: ${N} calls per phase, ${ROUNDS} rounds, concurrency ${C}; workerd pid ${pid ?? "not found"}; load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    await phase("warm", "GET", bound);
    for (let r = 0; r < ROUNDS; r++) {
      await phase("read unbound", "GET", unbound);
      await phase("read bound", "GET", bound);
      await phase("change unbound", "POST", unbound);
      await phase("change bound", "POST", bound);
    }

    // the same verification in this process, for reference
    const url = `${edge.url}/api/events/${eventId}/seats`;
    const local = await Promise.all(Array.from({ length: 2000 }, () => bound.key!.proof("GET", url, { token: bound.token })));
    const t0 = process.cpuUsage();
    for (const p of local) {
      const check = await readProof(new Request(url, { headers: { dpop: p } }), bound.token);
      if (check.kind !== "valid") throw new Error("a fresh proof did not verify");
    }
    const used = process.cpuUsage(t0);
    const bunMicros = Math.round((used.user + used.system) / local.length);

    const calls = N * ROUNDS;
    const row = (label: string) => {
      const s: LatencySummary = summarizeMs(latencies.get(label)!);
      return { label, p50ms: s.p50ms, p95ms: s.p95ms, workerdCpuMicrosPerCall: cpu.perOperation(label, calls).workerd ?? null };
    };
    const rows = ["read unbound", "read bound", "change unbound", "change bound"].map(row);
    console.table(rows);
    const diff = (a: string, b: string) => {
      const [x, y] = [rows.find((r) => r.label === a)!, rows.find((r) => r.label === b)!];
      return { p50ms: +(y.p50ms - x.p50ms).toFixed(3), p95ms: +(y.p95ms - x.p95ms).toFixed(3), workerdCpuMicros: x.workerdCpuMicrosPerCall === null ? null : y.workerdCpuMicrosPerCall! - x.workerdCpuMicrosPerCall };
    };
    const result = {
      settings: effective,
      addedByProofOnRead: diff("read unbound", "read bound"),
      addedByProofOnChange: diff("change unbound", "change bound"),
      proofVerificationInBunMicros: bunMicros,
      replayKeysLeft: (await redis.keys(`${eventKeys(eventId).proof("*", "*")}`)).length,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await edge.stop();
    upstream.stop(true);
    for (const key of await redis.keys(`cu:{${eventId}}:*`)) await redis.del(key);
    redis.disconnect();
    await bridge.stop();
  }
}

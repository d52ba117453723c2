/**
 * `bun run dev` on a machine where REDIS_URL and DATABASE_URL answer nothing: it must
 * start its own servers, migrate, seed, start origin and edge, and print URLs that work,
 * the organiser's one signed in.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./kit/free-port.ts";

const root = join(import.meta.dir, "..");
const dataDir = mkdtempSync(join(tmpdir(), "cu-dev-"));
let dev: ReturnType<typeof Bun.spawn> | undefined;

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    dev.kill("SIGINT");
    await Promise.race([dev.exited, Bun.sleep(20_000)]);
    if (dev.exitCode === null) dev.kill("SIGKILL");
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function readUntil(stream: ReadableStream<Uint8Array>, pattern: RegExp, timeoutMs: number): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(text)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no match for ${pattern} within ${timeoutMs} ms; output:\n${text}`);
    const chunk = await Promise.race([reader.read(), Bun.sleep(left).then(() => null)]);
    if (!chunk || chunk.done) throw new Error(`output ended before ${pattern}; output:\n${text}`);
    text += decoder.decode(chunk.value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

test("bun run dev with no servers answering starts its own Redis and MariaDB and prints a working edge URL", async () => {
  const [deadRedis, deadDb, originPort, edgePort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  dev = Bun.spawn(["bun", "run", "dev"], {
    cwd: root,
    env: {
      ...process.env,
      REDIS_URL: `redis://127.0.0.1:${deadRedis}`,
      DATABASE_URL: `mysql://root@127.0.0.1:${deadDb}/test`,
      ORIGIN_PORT: String(originPort),
      EDGE_PORT: String(edgePort),
      CONCERT_U_DATA_DIR: dataDir,
      WRANGLER_SEND_METRICS: "false",
    },
    stdout: "pipe",
    stderr: "inherit",
  });
  const output = await readUntil(dev.stdout as ReadableStream<Uint8Array>, /Ctrl-C stops everything/, 90_000);
  expect(output).toContain("started a private redis-server");
  expect(output).toContain("started a private database server");

  const edgeUrl = /edge URL:\s+(\S+)/.exec(output)?.[1];
  const swaggerJson = /OpenAPI JSON: (\S+)\)/.exec(output)?.[1];
  expect(edgeUrl).toBe(`http://127.0.0.1:${edgePort}`);

  const page = await fetch(`${edgeUrl}/events/demo`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("<html");

  const join = await fetch(`${edgeUrl}/queue/demo/join`, { method: "POST" });
  expect(join.status).toBeLessThan(300);
  expect(await join.json()).toMatchObject({ eventId: "demo" });

  // the organiser's link opens the dashboard signed in; the key it prints is the bare value,
  // not the quoted form .env.local keeps (ADMIN_KEY='...'), and the stack takes it
  const quoted = /^ADMIN_KEY=(.*)$/m.exec(readFileSync(`${root}/.env.local`, "utf8"))?.[1];
  expect(quoted).toStartWith("'");
  const adminKey = /admin key:\s+(\S+)/.exec(output)?.[1];
  expect(adminKey).toBe(quoted!.slice(1, -1));
  const organiser = /organiser:\s+(\S+)/.exec(output)?.[1];
  expect(organiser).toBe(`${edgeUrl}/organiser/events/demo#key=${encodeURIComponent(adminKey!)}`);
  const dashboardPage = await fetch(organiser!);
  expect(dashboardPage.status).toBe(200);
  expect(await dashboardPage.text()).toContain("Organiser dashboard");
  const dashboard = await fetch(`${edgeUrl}/admin/events/demo/dashboard`, { headers: { authorization: `Bearer ${adminKey}` } });
  expect(dashboard.status).toBe(200);

  const spec = (await (await fetch(swaggerJson!)).json()) as { openapi: string; paths: Record<string, unknown> };
  expect(spec.openapi).toStartWith("3.");
  expect(Object.keys(spec.paths)).toContain("/api/events/{eventId}/holds");

  dev.kill("SIGINT");
  expect(await Promise.race([dev.exited, Bun.sleep(20_000).then(() => "still running")])).toBe(0);
  // Ctrl-C stopped the private servers and the edge too: nothing answers on their ports any more
  const edgeGone = await fetch(`${edgeUrl}/events/demo`).then(() => false, () => true);
  expect(edgeGone).toBe(true);
}, 120_000);

/** The nginx binary, and deploy/nginx/nginx.conf rewritten to run on this machine. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./compose.ts";

export const nginxConf = join(repoRoot, "deploy", "nginx", "nginx.conf");

export function findNginx(): string | null {
  return Bun.which("nginx") ?? Bun.which("nginx", { PATH: "/usr/sbin:/usr/local/sbin:/usr/local/nginx/sbin" });
}

/** `server host:port ...;` lines of the `upstream origin` block. */
export function upstreamServers(conf = readFileSync(nginxConf, "utf8")): Array<{ host: string; port: number }> {
  const block = /upstream\s+origin\s*\{([^}]*)\}/.exec(conf);
  if (!block) throw new Error("no `upstream origin` block");
  return [...block[1]!.matchAll(/^\s*server\s+([^:\s;]+):(\d+)/gm)].map((m) => ({ host: m[1]!, port: Number(m[2]) }));
}

/** Port of the `listen` directive of the proxy server. */
export function listenPort(conf = readFileSync(nginxConf, "utf8")): number {
  const m = /^\s*listen\s+(?:[\d.]+:)?(\d+)\s*;/m.exec(conf);
  if (!m) throw new Error("no listen directive");
  return Number(m[1]);
}

/**
 * The shipped config with the compose service names of the upstream servers replaced by
 * local addresses (they resolve only inside the compose network), logs written under
 * `logDir`, and optionally another listen address.
 */
export function localConf(upstreams: string[], logDir: string, listen?: string): string {
  let conf = readFileSync(nginxConf, "utf8");
  const servers = upstreamServers(conf);
  if (servers.length !== upstreams.length) throw new Error(`config has ${servers.length} upstream servers, got ${upstreams.length} replacements`);
  servers.forEach((s, i) => {
    conf = conf.replace(new RegExp(`(^\\s*server\\s+)${s.host}:${s.port}`, "m"), `$1${upstreams[i]}`);
  });
  conf = conf.replaceAll("/var/log/nginx/", `${logDir}/`);
  if (listen) conf = conf.replace(/^(\s*listen\s+)(?:[\d.]+:)?\d+\s*;/m, `$1${listen};`);
  return conf;
}

/**
 * Every page the edge serves forbids inline script: its Content-Security-Policy lets scripts
 * come only from this site (`script-src 'self'`, no 'unsafe-inline' or 'unsafe-eval'
 * anywhere), and the page holds nothing that such a policy would block: no inline <script>,
 * no event-handler attributes, no inline styles.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { useEdgeWorker } from "./helpers/fixture.ts";
import { everyPage } from "./helpers/pages.ts";

const edge = useEdgeWorker();

/** The policy's directives, by name. */
function directives(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name, sources);
  }
  return out;
}

describe("Content-Security-Policy on every page", () => {
  test("each page allows only its own scripts and styles, and has no inline script, handler or style", async () => {
    const pages = await everyPage(edge);
    expect(pages.map((p) => p.name)).toContain("organiser dashboard");
    for (const { name, headers, html } of pages) {
      const policy = headers.get("content-security-policy");
      expect({ name, policy: policy !== null }).toEqual({ name, policy: true });
      const csp = directives(policy!);
      expect({ name, default: csp.get("default-src") }).toEqual({ name, default: ["'none'"] });
      expect({ name, script: csp.get("script-src") }).toEqual({ name, script: ["'self'"] });
      expect({ name, style: csp.get("style-src") }).toEqual({ name, style: ["'self'"] });
      expect({ name, unsafe: policy!.includes("unsafe-") }).toEqual({ name, unsafe: false });
      expect({ name, frames: csp.get("frame-ancestors") }).toEqual({ name, frames: ["'none'"] });

      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      for (const [tag, attributes, content] of scripts) {
        expect({ name, tag, src: /\bsrc="\/[^"]+"/.test(attributes!) }).toEqual({ name, tag, src: true });
        expect({ name, tag, content }).toEqual({ name, tag, content: "" });
      }
      expect({ name, handlers: html.match(/<[^>]*\son[a-z]+=/gi) }).toEqual({ name, handlers: null });
      expect({ name, styles: html.match(/<style\b|\sstyle=/gi) }).toEqual({ name, styles: null });
    }
    // the fan's pages and the dashboard run scripts, all under this policy
    expect(pages.filter((p) => p.html.includes("<script src=")).map((p) => p.name)).toEqual(["waiting room", "sale page", "sale ended", "organiser dashboard"]);
  });
});

/**
 * The browser tests find a Chromium by themselves: on a machine with no system Chromium
 * and no CHROMIUM_PATH they unpack the one packaged on npm, it launches, and the text it
 * draws uses real fonts (screenshots stay readable).
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchBrowser } from "./helpers/browser.ts";
import { findChromium, PACKAGED_VERSION } from "./helpers/chromium.ts";

setDefaultTimeout(120_000);
const scratch = mkdtempSync(join(tmpdir(), "cu-chromium-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The font Chromium actually drew the element's text with (name and glyphs used). */
async function fontOf(page: Page, selector: string): Promise<{ familyName: string; glyphCount: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("DOM.enable");
  await cdp.send("CSS.enable");
  const { root } = await cdp.send("DOM.getDocument");
  const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector });
  const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
  return fonts.sort((a, b) => b.glyphCount - a.glyphCount)[0] ?? { familyName: "(none)", glyphCount: 0 };
}

describe("finding Chromium", () => {
  test("with no system Chromium and no CHROMIUM_PATH, the packaged one is unpacked (twice at once is fine), launches and draws text with real fonts", async () => {
    const cacheDir = join(scratch, `chromium-${PACKAGED_VERSION}`);
    // two test runs starting side by side on a fresh machine
    const [first, second] = await Promise.all([findChromium({ env: {}, systemPaths: [], cacheDir }), findChromium({ env: {}, systemPaths: [], cacheDir })]);
    expect(first.source).toBe("packaged");
    expect(second.executablePath).toBe(first.executablePath);
    expect(first.executablePath).toStartWith(cacheDir);

    const browser = await launchBrowser(first);
    try {
      expect(browser.version()).toStartWith(`${PACKAGED_VERSION.split(".")[0]}.`);
      const page = await browser.newPage();
      await page.setContent(`<h1 style="font-family:system-ui,sans-serif">Concert-U Wörld 0123</h1>
<p id="serif" style="font-family:serif">Seats held</p><code style="font-family:monospace">cu:{demo}:queue</code>
<p id="open-sans" style="font-family:'Open Sans'">Waiting room</p>`);
      for (const selector of ["h1", "#serif", "code", "#open-sans"]) {
        const font = await fontOf(page, selector);
        expect(font.glyphCount).toBeGreaterThan(0);
        expect(font.familyName).not.toBe("(none)");
      }
      // the package's own fonts are there too, for a machine with none of its own
      expect((await fontOf(page, "#open-sans")).familyName).toBe("Open Sans");
      // proportional glyphs, not a row of identical boxes
      const widths = await page.evaluate(() => {
        const c = document.createElement("canvas").getContext("2d")!;
        c.font = "20px sans-serif";
        return [c.measureText("iiiiiiii").width, c.measureText("WWWWWWWW").width];
      });
      expect(widths[1]!).toBeGreaterThan(widths[0]! * 2);
      // page scripts get a locale Intl accepts (a C/POSIX system locale gives navigator.language "en-US@posix", which Intl refuses: uPlot would throw while loading)
      expect(await page.evaluate(() => [navigator.language, new Intl.DateTimeFormat().resolvedOptions().locale, (1234.5).toLocaleString()])).toEqual(["en-US", "en-US", "1,234.5"]);
    } finally {
      await browser.close();
    }
  });

  test("a system Chromium is used when present, unless CHROMIUM_PACKAGED=1; CHROMIUM_PATH wins and must exist", async () => {
    const cacheDir = join(scratch, `chromium-${PACKAGED_VERSION}`);
    const packaged = await findChromium({ env: {}, systemPaths: [], cacheDir });
    const system = await findChromium({ env: {}, systemPaths: ["/nonexistent/chromium", packaged.executablePath], cacheDir });
    expect(system).toEqual({ executablePath: packaged.executablePath, source: "system", env: {} });
    expect((await findChromium({ env: { CHROMIUM_PACKAGED: "1" }, systemPaths: ["/bin/sh"], cacheDir })).source).toBe("packaged");

    const explicit = await findChromium({ env: { CHROMIUM_PATH: packaged.executablePath }, systemPaths: ["/bin/sh"], cacheDir });
    expect(explicit.source).toBe("CHROMIUM_PATH");
    await expect(findChromium({ env: { CHROMIUM_PATH: "/no/such/chromium" }, cacheDir })).rejects.toThrow("CHROMIUM_PATH is /no/such/chromium");
  });
});

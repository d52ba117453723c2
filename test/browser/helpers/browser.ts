/**
 * Chromium driven by playwright-core (Playwright's own browser download is not used):
 * CHROMIUM_PATH, a system Chromium or the one packaged on npm (see chromium.ts).
 * Screenshots go to test-artifacts/screenshots/ (git-ignored); a few current ones are
 * copied to docs/screenshots/ by hand for the README.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { findChromium, type FoundChromium } from "./chromium.ts";

const SHOTS = join(import.meta.dir, "..", "..", "..", "test-artifacts", "screenshots");
let said = false;

export async function launchBrowser(found?: FoundChromium): Promise<Browser> {
  const use = found ?? (await findChromium());
  const browser = await chromium
    .launch({
      executablePath: use.executablePath,
      headless: true,
      // LANG, LC_ALL: under a C/POSIX system locale the packaged Chromium reports navigator.language
      // "en-US@posix", which Intl (and so uPlot) refuses
      env: { ...process.env, LANG: "en_US.UTF-8", LC_ALL: "en_US.UTF-8", ...use.env },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    })
    .catch((error: Error) => {
      if (use.source !== "packaged") throw error;
      throw new Error(`the Chromium packaged on npm did not start (it needs libnss3, libnspr4 and libexpat1: apt-get install libnss3), or set CHROMIUM_PATH: ${error.message}`);
    });
  if (!said && !found) {
    said = true;
    console.log(`browser tests: Chromium ${browser.version()} (${use.source}: ${use.executablePath})`);
  }
  return browser;
}

/**
 * A fan's own browser: a fresh context (own cookies and storage), phone-sized and in a
 * language if asked.
 * Every document it opens records what its Content-Security-Policy blocked (policyViolations).
 */
export async function fanPage(browser: Browser, opts: { phone?: boolean; locale?: string } = {}): Promise<Page> {
  const screen = opts.phone ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } : { viewport: { width: 1100, height: 900 } };
  // locale: the browser's language (navigator.language, Accept-Language), e.g. "ko-KR"
  const context = await browser.newContext({ ...screen, ...(opts.locale ? { locale: opts.locale } : {}) });
  // added through the debugging protocol, so the page's own policy does not apply to it
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cuPolicyViolations: string[] }).cuPolicyViolations = seen;
    document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.effectiveDirective}: ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`));
  });
  return context.newPage();
}

/** What the page's Content-Security-Policy blocked since it loaded (a script, a style, a connection). */
export async function policyViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cuPolicyViolations?: string[] }).cuPolicyViolations ?? []);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** One part of a page (a panel), for README. */
export async function screenshotOf(part: Locator, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await part.screenshot({ path: join(SHOTS, `${name}.png`) });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Accessibility problems axe-core finds on the page as it is now (WCAG 2.1 A and AA:
 * labels, names, contrast, landmarks...), as "rule: first element" lines; serious and
 * critical ones only.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // evaluated through the debugging protocol, so the page's Content-Security-Policy still holds for its own scripts
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(o: object): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run({ runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes[0]?.target.join(" ")}`);
  });
  return violations;
}

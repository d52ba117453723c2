/**
 * The dashboard's staff and monitoring panel in a real browser, through the edge in workerd
 * to the origin: the organiser adds a staff secret (shown once), an IP range and a path,
 * sees them listed, sees a staff request through the edge counted on its rule, removes one;
 * a range that is not one is said beside the field it was typed in.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { accessibilityProblems, fanPage, policyViolations, screenshot, screenshotOf } from "./helpers/browser.ts";
import { useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

describe("bypass rules in a browser", () => {
  test("the dashboard's staff panel adds a secret (shown once), a range and a path, counts a staff request, removes a rule; a bad range is said beside its field", async () => {
    const eventId = await stack.createEvent({ label: "bypass-dash", queue: { rate: 0.001 } });
    const page = await fanPage(browser);
    await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}`);
    await page.getByLabel("Admin key").fill(process.env.ADMIN_KEY!);
    await page.getByRole("button", { name: "Open dashboard" }).click();
    await page.locator("#s-status").filter({ hasText: "open" }).waitFor();
    await page.getByText("No bypass rules yet.").waitFor();

    // a staff secret, generated: shown once, with how staff send it
    await page.getByLabel("Kind", { exact: true }).selectOption("header");
    await page.getByLabel("Rule label", { exact: true }).fill("box office");
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.locator("#bypass-notice").filter({ hasText: "X-Concert-U-Bypass" }).waitFor();
    const secret = (await page.locator("#new-secret-text").textContent())!;
    expect(secret.length).toBeGreaterThanOrEqual(16);
    await page.locator("#rules-body tr").first().waitFor();
    expect(await page.locator("#rules-body").textContent()).not.toContain(secret);

    // a range that is not one: said beside the field, nothing added
    await page.getByLabel("Kind", { exact: true }).selectOption("ip");
    await page.getByLabel("IP range (CIDR)", { exact: true }).fill("192.0.2.0/33");
    await page.getByLabel("Rule label", { exact: true }).fill("monitor");
    await page.getByRole("button", { name: "Add rule" }).click();
    const fieldError = page.locator("#rule-value-error");
    await fieldError.filter({ hasText: "cidr" }).waitFor();
    expect(await page.getByLabel("IP range (CIDR)", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("IP range (CIDR)", { exact: true }).getAttribute("aria-describedby")).toBe("rule-value-error");
    expect(await page.locator("#bypass-notice").textContent()).toBe("");
    expect(await page.locator("#rules-body tr").count()).toBe(1);
    expect(await accessibilityProblems(page)).toEqual([]);

    // corrected: the error goes, the range is listed
    await page.getByLabel("IP range (CIDR)", { exact: true }).fill("198.51.100.0/24");
    expect(await fieldError.isHidden()).toBe(true);
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.locator("#rules-body").filter({ hasText: "198.51.100.0/24" }).waitFor();
    expect(await page.locator("#new-secret").isHidden()).toBe(true);

    await page.getByLabel("Kind", { exact: true }).selectOption("path");
    await page.getByLabel("Path prefix (under /events/<event>/)", { exact: true }).fill(`/events/${eventId}/info`);
    await page.getByLabel("Rule label", { exact: true }).fill("venue info");
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.locator("#rules-body").filter({ hasText: `/events/${eventId}/info` }).waitFor();
    const rows = await page.locator("#rules-body tr").allTextContents();
    expect(rows).toHaveLength(3);
    for (const [label, kind] of [["box office", "Staff secret"], ["monitor", "IP range"], ["venue info", "Path"]]) expect(rows.some((r) => r.includes(label!) && r.includes(kind!))).toBe(true);
    expect(rows.every((r) => r.includes("on"))).toBe(true);

    // a staff request with the secret through the edge (the edge picks the rule up within seconds)
    const deadline = Date.now() + 15_000;
    let staff: Response;
    for (;;) {
      staff = await fetch(`${stack.edgeUrl}/queue/${eventId}/join`, { method: "POST", headers: { "x-concert-u-bypass": secret, "x-forwarded-for": "203.0.113.9" } });
      if (staff.status === 200 || Date.now() > deadline) break;
      await Bun.sleep(250);
    }
    expect(staff.status).toBe(200);
    expect(await staff.json()).toMatchObject({ staff: true, admitted: true });
    // the panel counts it (the use is written after the answer: reload until it shows)
    const boxOffice = page.locator("#rules-body tr", { hasText: "box office" });
    for (let i = 0; i < 40 && (await boxOffice.locator("td").nth(3).textContent()) !== "1"; i++) {
      await page.reload();
      await page.locator("#rules-body tr").nth(2).waitFor();
    }
    expect(await boxOffice.locator("td").nth(3).textContent()).toBe("1");

    await page.getByRole("button", { name: "Remove rule monitor" }).click();
    await page.locator("#bypass-notice").filter({ hasText: "Rule removed." }).waitFor();
    await page.locator("#rules-body tr").nth(2).waitFor({ state: "detached" });
    expect(await page.locator("#rules-body").textContent()).not.toContain("monitor");
    const listed = await stack.admin("GET", `/admin/events/${eventId}/bypass-rules`);
    expect(listed.body.rules.map((r: { label: string }) => r.label).sort()).toEqual(["box office", "venue info"]);

    await screenshot(page, "9-bypass-rules");
    await screenshotOf(page.locator("section", { has: page.getByRole("heading", { name: "Staff and monitoring" }) }), "9-bypass-panel");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);
    await page.close();
  });
});

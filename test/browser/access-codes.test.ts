/**
 * Presale access in a real browser, through the edge in workerd to the origin: the
 * organiser makes the room invite-only and creates codes on the dashboard; a fan without a
 * place is asked for a code, a wrong one is said beside the field, the right one takes the
 * fan into the line.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot, screenshotOf } from "./helpers/browser.ts";
import { redis, useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

describe("presale access in a browser", () => {
  test("the dashboard's presale panel makes the room invite-only, creates codes (shown once), counts their places and revokes one", async () => {
    const eventId = await stack.createEvent({ label: "codes-dash", queue: { rate: 1 } });
    const page = await fanPage(browser);
    await page.goto(`${stack.edgeUrl}/organiser/events/${eventId}`);
    await page.getByLabel("Admin key").fill(process.env.ADMIN_KEY!);
    await page.getByRole("button", { name: "Open dashboard" }).click();
    await page.locator("#s-status").filter({ hasText: "open" }).waitFor();

    await page.getByLabel("Invite-only: only fans with an access code get a place").check();
    await page.locator("#access-notice").filter({ hasText: "invite-only" }).waitFor();
    expect(await redis.hget(eventKeys(eventId).queueState, "inviteOnly")).toBe("1");

    await page.getByLabel("Codes", { exact: true }).fill("3");
    await page.getByLabel("Places per code").fill("2");
    await page.getByLabel("Tier (empty: any)").fill("front");
    await page.getByLabel("Label", { exact: true }).fill("fan club");
    await page.getByRole("button", { name: "Create codes" }).click();
    await page.locator("#new-codes-list li").nth(2).waitFor();
    const shown = await page.locator("#new-codes-list li").allTextContents();
    expect(shown).toHaveLength(3);
    for (const code of shown) expect(code).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
    await page.locator("#codes-body tr").nth(2).waitFor();
    expect(await page.locator("#codes-body tr").first().textContent()).toContain("0 / 2");

    // a fan uses one of them through the edge: the panel counts it
    const joined = await fetch(`${stack.edgeUrl}/queue/${eventId}/join`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": "198.51.100.7" }, body: JSON.stringify({ accessCode: shown[0] }) });
    expect(joined.status).toBe(201);
    await page.getByRole("button", { name: "Revoke code fan club" }).first().click();
    await page.locator("#codes-body").filter({ hasText: "revoked" }).waitFor();
    expect(await page.locator("#codes-body").textContent()).toContain("1 / 2");
    await screenshot(page, "7-access-codes");
    await screenshotOf(page.locator("section", { has: page.getByRole("heading", { name: "Presale access" }) }), "7-access-panel");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);
    await page.close();
  });

  test("an invite-only room asks a fan without a place for their code: a wrong code is said beside the field, the right one takes them into the line", async () => {
    const eventId = await stack.createEvent({ label: "codes-fan", queue: { rate: 0.001, inviteOnly: true } });
    const created = await stack.admin("POST", `/admin/events/${eventId}/access-codes`, { code: "FANCLUB-2031", uses: 50 });
    expect(created).toMatchObject({ status: 201 });

    const page = await fanPage(browser);
    const response = await page.goto(`${stack.edgeUrl}/events/${eventId}`);
    // the page's words with the status, so a refusal other than the code field says which
    expect({ status: response?.status(), page: await page.locator("body").innerText() }).toMatchObject({ status: 403 });
    await page.getByRole("heading", { name: "This sale is for invited fans" }).waitFor();
    expect(await redis.get(eventKeys(eventId).seq)).toBeNull();

    await page.getByLabel("Access code").fill("WRONG-CODE");
    await page.getByRole("button", { name: "Join the line" }).click();
    await page.getByRole("alert").filter({ hasText: "not valid" }).waitFor();
    expect(await page.getByLabel("Access code").getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "8-access-code");
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await policyViolations(page)).toEqual([]);

    await page.getByLabel("Access code").fill(" fanclub-2031 ");
    await page.getByRole("button", { name: "Join the line" }).click();
    await page.getByRole("heading", { name: "You are in the waiting room" }).waitFor();
    await page.locator("#position").filter({ hasText: "1" }).waitFor();
    expect(await redis.get(eventKeys(eventId).seq)).toBe("1");
    // a reload keeps the place: no code asked again, none spent
    await page.reload();
    await page.getByRole("heading", { name: "You are in the waiting room" }).waitFor();
    const [[row]] = (await stack.db.query("SELECT used FROM access_codes WHERE event_id = ?", [eventId])) as unknown as [Array<{ used: number }>];
    expect(row!.used).toBe(1);
    await page.close();
  });
});

/**
 * The identity step in a real browser: a sale that asks a passkey (or an email) shows the
 * step before any place; Chromium's virtual authenticator (the DevTools protocol's WebAuthn
 * domain) makes a passkey through the page's own script, under its strict Content-Security-
 * Policy, and the fan lands in line with the identity in the ticket. The same passkey from a
 * fresh session (cookies gone) is told it holds a place already, and no second place is made.
 * An invite-only sale that asks an identity too shows the identity step first, then the
 * access code field, and the join brings both.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot } from "./helpers/browser.ts";
import { redis, useBrowserStack, type Stack } from "./helpers/stack.ts";

const fixture = useBrowserStack();
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

describe("the identity step", () => {
  test("a passkey made on the page joins the line; the same passkey in a fresh session gets no second place", async () => {
    const eventId = await stack.createEvent({ label: "passkey" });
    const set = await stack.admin("PATCH", `/admin/events/${eventId}/queue`, { identity: "either" });
    expect(set.status).toBe(200);
    expect(set.body.settings.identity).toBe("either");
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);

    const page = await fanPage(browser);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    // a passkey's relying party is a domain: the page is opened as localhost, not 127.0.0.1
    const site = stack.edgeUrl.replace("127.0.0.1", "localhost");
    await page.goto(`${site}/events/${eventId}`);
    await page.getByRole("heading", { name: "One place per fan" }).waitFor();
    await page.getByLabel("Email address").fill("fan@example.com");
    expect(await page.getByLabel("The 6-digit code from the email").isVisible()).toBe(false);
    await screenshot(page, "identity-step");
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByRole("button", { name: "Make a passkey and join" }).click();
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    expect(await page.locator("#position").textContent()).toBe("1");
    const ticket = (await page.context().cookies()).find((c) => c.name === `cu_q_${eventId}`)!;
    const claims = JSON.parse(Buffer.from(ticket.value.split(".")[1]!, "base64url").toString());
    expect(claims.cus).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await redis.hget(eventKeys(eventId).identities, `passkey:${claims.cus}`)).toBe(claims.tid);
    expect(await policyViolations(page)).toEqual([]);

    // a fresh session on the same device (the cookies gone), the same passkey: no second place
    await page.context().clearCookies();
    await page.goto(`${site}/events/${eventId}`);
    await page.getByRole("button", { name: "I have a passkey: join" }).click();
    await page.getByText("You already hold a place in this line").waitFor();
    expect(await redis.zcard(eventKeys(eventId).queue)).toBe(1);
    expect(await policyViolations(page)).toEqual([]);
  });

  test("an invite-only sale that asks an identity shows the identity step first, then the code field: the place carries both", async () => {
    const eventId = await stack.createEvent({ label: "code-identity", queue: { inviteOnly: true } });
    expect((await stack.admin("PATCH", `/admin/events/${eventId}/queue`, { identity: "passkey" })).status).toBe(200);
    expect((await stack.admin("POST", `/admin/events/${eventId}/access-codes`, { code: "FANCLUB-2032", uses: 5 })).status).toBe(201);
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);

    const page = await fanPage(browser);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    const site = stack.edgeUrl.replace("127.0.0.1", "localhost");
    const response = await page.goto(`${site}/events/${eventId}`);
    expect({ status: response?.status(), page: await page.locator("body").innerText() }).toMatchObject({ status: 403 });
    await page.getByRole("heading", { name: "One place per fan" }).waitFor();
    expect(await page.getByLabel("Access code", { exact: true }).isVisible()).toBe(false);

    await page.getByRole("button", { name: "Make a passkey and join" }).click();
    await page.getByRole("heading", { name: "This sale is for invited fans" }).waitFor();
    expect(await page.getByRole("button", { name: "Make a passkey and join" }).isVisible()).toBe(false);
    expect(await redis.get(eventKeys(eventId).seq)).toBeNull();
    await page.getByLabel("Access code", { exact: true }).fill("WRONG-CODE");
    await page.getByRole("button", { name: "Join the line" }).click();
    await page.getByRole("alert").filter({ hasText: "not valid" }).waitFor();
    expect(await page.getByLabel("Access code", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "identity-then-code");
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByLabel("Access code", { exact: true }).fill("fanclub-2032");
    await page.getByRole("button", { name: "Join the line" }).click();
    await page.getByText("The sale is paused. You keep your place.").waitFor();
    expect(await page.locator("#position").textContent()).toBe("1");
    const ticket = (await page.context().cookies()).find((c) => c.name === `cu_q_${eventId}`)!;
    const claims = JSON.parse(Buffer.from(ticket.value.split(".")[1]!, "base64url").toString());
    expect(await redis.hget(eventKeys(eventId).identities, `passkey:${claims.cus}`)).toBe(claims.tid);
    const [[row]] = (await stack.db.query("SELECT used FROM access_codes WHERE event_id = ?", [eventId])) as unknown as [Array<{ used: number }>];
    expect(row!.used).toBe(1);
    expect(await policyViolations(page)).toEqual([]);
    await page.context().close();
  });
});

/**
 * The turn email in a real browser, through the edge in workerd to the real origin, which
 * mails over SMTP to a local server (test/kit/smtp.ts): a fan leaves an address on the
 * waiting page and walks away; their turn comes, the mail arrives with its link, and the
 * link opened in another browser (the fan's phone) claims the turn only once the fan
 * confirms. Opening the link, as a mail scanner or a link preview does, claims nothing.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { eventKeys } from "../../common/keys.ts";
import { sessionIdFor } from "../../common/tokens.ts";
import { en } from "../../edge/src/i18n/en.ts";
import { startSmtp, type LocalSmtp } from "../kit/smtp.ts";
import { accessibilityProblems, fanPage, policyViolations, screenshot } from "./helpers/browser.ts";
import { redis, useBrowserStack, type Stack } from "./helpers/stack.ts";

let smtp: LocalSmtp;
// before the stack: the origin is started with this server's port
beforeAll(async () => {
  smtp = await startSmtp();
});
const fixture = useBrowserStack({ originEnv: () => ({ SMTP_HOST: "127.0.0.1", SMTP_PORT: String(smtp.port), MAIL_RETRIES: "0" }) });
let stack: Stack;
let browser: Browser;
beforeAll(() => {
  ({ stack, browser } = fixture);
});

describe("the turn email in a browser", () => {
  test("an address left on the waiting page gets the mail at the turn; its link claims the turn in a second browser after the confirm step, and only then", async () => {
    const eventId = await stack.createEvent({ label: "turn-mail", queue: { claimSeconds: 300 } });
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/pause`)).status).toBe(200);

    // the fan waits, leaves an address and closes the tab
    const waiting = await fanPage(browser);
    await waiting.goto(`${stack.edgeUrl}/events/${eventId}`);
    await waiting.getByText(en.live.paused).waitFor();
    expect(await waiting.locator("#position").textContent()).toBe("1");
    await waiting.getByLabel(en.page.emailLabel, { exact: true }).fill("fan@example.com");
    await waiting.getByRole("button", { name: en.page.emailButton, exact: true }).click();
    // whatever the page says (saved, or why not) is the answer: a failure shows it
    await waiting.waitForFunction(() => (document.getElementById("email-state")?.textContent ?? "") !== "", undefined, { timeout: 30_000 });
    expect(await waiting.locator("#email-state").textContent()).toBe("We will email fan@example.com when it is your turn.");
    expect(await accessibilityProblems(waiting)).toEqual([]);
    expect(await policyViolations(waiting)).toEqual([]);
    const ticket = (await waiting.context().cookies()).find((c) => c.name === `cu_q_${eventId}`)!;
    const tid = JSON.parse(Buffer.from(ticket.value.split(".")[1]!, "base64url").toString()).tid as string;
    expect(await redis.hexists(eventKeys(eventId).turnMail, tid)).toBe(1);
    await waiting.context().close();

    // the turn comes: the origin's scheduler admits the place and mails it
    const before = smtp.mails.length;
    expect((await stack.admin("POST", `/admin/events/${eventId}/queue/resume`)).status).toBe(200);
    const mail = (await smtp.received(before + 1, 30_000))[before]!;
    expect(mail.to).toEqual(["fan@example.com"]);
    expect(mail.subject).toMatch(/^It is your turn: claim within [45] minutes \(until \d\d:\d\d UTC\)$/);
    expect(mail.text).toContain(`It is your turn for Browser test: turn-mail.`);
    const link = /(http:\/\/\S+\/queue\/\S+\/turn\/\S+)/.exec(mail.text)?.[1];
    expect(link).toStartWith(`${stack.edgeUrl}/queue/${eventId}/turn/`);
    expect(await redis.hexists(eventKeys(eventId).turnMail, tid)).toBe(0);

    // a mail scanner follows the link: the page asks, and nothing is claimed
    const scanned = await fetch(link!, { headers: { "user-agent": "MailScanner/1.0" } });
    expect(scanned.status).toBe(200);
    expect(await scanned.text()).toContain(en.page.turnLinkButton);
    expect(await redis.zscore(eventKeys(eventId).admitted, tid)).not.toBeNull();

    // the fan's phone: another browser, no cookies; the page asks first
    const phone = await fanPage(browser, { phone: true });
    await phone.goto(link!);
    await phone.getByRole("heading", { name: en.page.turnLinkHeading }).waitFor();
    await phone.locator("#claim-left").filter({ hasText: /^[45]:\d\d$/ }).waitFor();
    // opening the page claimed nothing either
    expect(await redis.zscore(eventKeys(eventId).admitted, tid)).not.toBeNull();
    expect(await redis.zscore(eventKeys(eventId).active, await sessionIdFor(tid))).toBeNull();
    await screenshot(phone, "turn-email-confirm");
    expect(await accessibilityProblems(phone)).toEqual([]);

    await phone.getByRole("button", { name: en.page.turnLinkButton }).click();
    await phone.locator("#map .seat").first().waitFor({ timeout: 30_000 });
    expect(new URL(phone.url()).pathname).toBe(`/events/${eventId}`);
    expect(await redis.zscore(eventKeys(eventId).admitted, tid)).toBeNull();
    expect(Number(await redis.zscore(eventKeys(eventId).active, await sessionIdFor(tid)))).toBeGreaterThan(Date.now());
    expect(await policyViolations(phone)).toEqual([]);

    // the link works once: opened again it says so
    const again = await phone.context().newPage();
    const second = await again.goto(link!);
    expect(second?.status()).toBe(409);
    await again.getByText(en.page.turnUsedTitle).first().waitFor();
    // one mail in all
    expect(smtp.mails.slice(before).flatMap((m) => m.to)).toEqual(["fan@example.com"]);
    await phone.context().close();
  });
});

import { describe, expect, setDefaultTimeout, test } from "bun:test";

setDefaultTimeout(20_000);
import { useEdgeWorker } from "./helpers/fixture.ts";
import { withScripts } from "./helpers/pages.ts";
import { eventKeys, globalKeys } from "../../common/keys.ts";
import { redis, setStatus } from "./helpers/redis.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { call } from "./helpers/worker.ts";


const edge = useEdgeWorker();
const { freshEvent } = edge;

describe("GET /events/:eventId (waiting room page)", () => {
  test("a newcomer is joined and gets the page with their place; a refresh keeps the place", async () => {
    const eventId = await freshEvent("page");
    await call(edge.env, `/queue/${eventId}/join`, { method: "POST" });
    const jar = new Map<string, string>();
    const res = await call(edge.env, `/events/${eventId}`, { jar });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(res.headers.get("set-cookie")).toStartWith(`cu_q_${eventId}=`);
    const html = await withScripts(edge.env, await res.text());
    expect(html).toContain('<p class="big" id="position">2</p>');
    expect(html).toContain(`new EventSource("/queue/" + eventId + "/events")`);
    expect(html).toContain(JSON.stringify(eventId));

    const again = await call(edge.env, `/events/${eventId}`, { jar });
    expect(again.headers.get("set-cookie")).toBeNull();
    expect(await again.text()).toContain('<p class="big" id="position">2</p>');
  });

  test("the page names the event from the waiting room's record, as text, never as markup", async () => {
    const startsAt = Date.UTC(2031, 5, 1, 19, 30);
    const eventId = await freshEvent("page-about", { eventName: `<img src=x onerror=alert(1)> & "Friends"`, venue: "Hall <B>", startsAt });
    const html = await (await call(edge.env, `/events/${eventId}`)).text();
    expect(html).toContain(`<b id="event-name">&#60;img src=x onerror=alert(1)&#62; &#38; &#34;Friends&#34;</b>`);
    expect(html).toContain("Hall &#60;B&#62;");
    expect(html).toContain(`<time datetime="${new Date(startsAt).toISOString()}">`);
    expect(html).not.toContain("<img");
  });

  test("ended sales and unknown events get a readable page with the right status", async () => {
    const eventId = await freshEvent("page-ended");
    await setStatus(eventId, "soldout");
    const ended = await call(edge.env, `/events/${eventId}`);
    expect(ended.status).toBe(410);
    // sold out: the page says so and that the waiting list is open, with its form
    const soldOut = await ended.text();
    expect(soldOut).toContain("<h1>Sold out</h1>");
    expect(soldOut).toContain("The waiting list is open");
    expect(soldOut).toContain('<form id="waitlist-form"');
    const closedId = await freshEvent("page-closed");
    await setStatus(closedId, "closed");
    const closed = await call(edge.env, `/events/${closedId}`);
    expect(closed.status).toBe(410);
    const closedHtml = await closed.text();
    expect(closedHtml).toContain("Sale ended");
    expect(closedHtml).not.toContain("waitlist-form");
    // an origin's scheduler has been over this Redis (its mark), so an event without queue
    // state has no waiting room rather than one being restored
    await redis.set(globalKeys.scheduled, Date.now());
    const unknown = await call(edge.env, `/events/${uniqueEventId("page-none")}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("Event not found");
  });

  test("a line that stopped (tickets unlikely) says so, and that the waiting list is open, with its form", async () => {
    const eventId = await freshEvent("page-stopped");
    await redis.hset(eventKeys(eventId).queueState, { honestStop: 1 });
    const res = await call(edge.env, `/events/${eventId}`);
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain("<h1>Tickets are unlikely now</h1>");
    expect(html).toContain("The waiting list is open");
    expect(html).toContain('<form id="waitlist-form"');
  });

  test("unknown paths and methods get JSON errors", async () => {
    const res = await call(edge.env, "/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "NOT_FOUND" });
    const post = await call(edge.env, `/events/x`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(await post.json()).toMatchObject({ code: "METHOD_NOT_ALLOWED" });
  });
});

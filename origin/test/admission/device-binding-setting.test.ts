/**
 * The organiser's device binding (off | optional | required) through the admin API: kept in
 * MySQL (waiting_rooms.device_binding) and copied into the queue-state hash the edge reads;
 * a value outside the three is refused and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../../common/keys.ts";
import { Harness } from "../support/harness.ts";

let h: Harness;
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });

beforeAll(async () => {
  h = await Harness.create("binding");
});
afterAll(async () => {
  await h.redis.srem("cu:queues", ...h.createdEvents);
  await h.close();
});

const stored = async (eventId: string) => {
  const [rows] = (await h.database.pool.query("SELECT device_binding FROM waiting_rooms WHERE event_id = ?", [eventId])) as unknown as [Array<{ device_binding: string | null }>];
  return { mysql: rows[0]?.device_binding, redis: await h.redis.hget(eventKeys(eventId).queueState, "deviceBinding") };
};

describe("deviceBinding in the admin API", () => {
  test("opening with it, changing it and turning it off write MySQL and the queue state; the view shows it; an unknown value is a 400 that changes nothing", async () => {
    const path = `/admin/events/${h.eventId}/queue`;
    const opened = await h.call("POST", path, { headers: admin(), body: { deviceBinding: "optional" } });
    expect(opened.status).toBe(201);
    expect(opened.body.settings.deviceBinding).toBe("optional");
    expect(await stored(h.eventId)).toEqual({ mysql: "optional", redis: "optional" });

    const required = await h.call("PATCH", path, { headers: admin(), body: { deviceBinding: "required" } });
    expect(required.status).toBe(200);
    expect(required.body.settings.deviceBinding).toBe("required");
    expect(await stored(h.eventId)).toEqual({ mysql: "required", redis: "required" });

    const refused = await h.call("PATCH", path, { headers: admin(), body: { deviceBinding: "sometimes" } });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe("INVALID_REQUEST");
    expect(await stored(h.eventId)).toEqual({ mysql: "required", redis: "required" });

    const off = await h.call("PATCH", path, { headers: admin(), body: { deviceBinding: "off" } });
    expect(off.body.settings.deviceBinding).toBe("off");
    // off is the hash without the field: what the edge reads as off
    expect(await stored(h.eventId)).toEqual({ mysql: "off", redis: null });
    expect((await h.call("GET", path, { headers: admin() })).body.settings.deviceBinding).toBe("off");
  });
});

/**
 * The organiser's identity step (off | email | passkey | either) through the admin API: kept
 * in MySQL (waiting_rooms.identity) and copied into the queue-state hash the join script
 * reads; a value outside the four is refused and changes nothing; a restore of the hash from
 * MySQL brings it back.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../../common/keys.ts";
import { roomFields, roomFromHash } from "../../src/admission/rooms.ts";
import { Harness } from "../support/harness.ts";

let h: Harness;
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });

beforeAll(async () => {
  h = await Harness.create("identity-setting");
});
afterAll(async () => {
  await h.redis.srem("cu:queues", ...h.createdEvents);
  await h.close();
});

const stored = async (eventId: string) => {
  const [rows] = (await h.database.pool.query("SELECT identity FROM waiting_rooms WHERE event_id = ?", [eventId])) as unknown as [Array<{ identity: string | null }>];
  return { mysql: rows[0]?.identity, redis: await h.redis.hget(eventKeys(eventId).queueState, "identity") };
};

describe("identity in the admin API", () => {
  test("opening with it, changing it and turning it off write MySQL and the queue state; the view shows it; an unknown value is a 400 that changes nothing", async () => {
    const path = `/admin/events/${h.eventId}/queue`;
    const opened = await h.call("POST", path, { headers: admin(), body: { identity: "email" } });
    expect(opened.status).toBe(201);
    expect(opened.body.settings.identity).toBe("email");
    expect(await stored(h.eventId)).toEqual({ mysql: "email", redis: "email" });

    const either = await h.call("PATCH", path, { headers: admin(), body: { identity: "either" } });
    expect(either.status).toBe(200);
    expect(either.body.settings.identity).toBe("either");
    expect(await stored(h.eventId)).toEqual({ mysql: "either", redis: "either" });

    for (const identity of ["sms", "", 1, null]) {
      const refused = await h.call("PATCH", path, { headers: admin(), body: { identity } });
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe("INVALID_REQUEST");
    }
    expect(await stored(h.eventId)).toEqual({ mysql: "either", redis: "either" });

    const off = await h.call("PATCH", path, { headers: admin(), body: { identity: "off" } });
    expect(off.body.settings.identity).toBe("off");
    // off is the hash without the field: what the join script reads as off
    expect(await stored(h.eventId)).toEqual({ mysql: "off", redis: null });
    expect((await h.call("GET", path, { headers: admin() })).body.settings.identity).toBe("off");
  });

  test("the room's fields carry the setting into a rebuilt hash, and a hash's setting back into a room", () => {
    const room = roomFromHash("e1", { status: "open", identity: "passkey" }, Date.now())!;
    expect(room.identity).toBe("passkey");
    expect(roomFields(room).set.identity).toBe("passkey");
    expect(roomFields({ ...room, identity: null }).remove).toContain("identity");
  });
});

/**
 * `bun run db:seed`: the demo event, created once (running it again changes nothing):
 * id `demo`, 2,000 seats in two sections of 20 rows x 50 seats, two price tiers, and its
 * waiting room opened so the edge serves `/events/demo` at once.
 */
import { EventCatalog } from "../modules/events/catalog.ts";
import { eq } from "drizzle-orm";
import { connectRedis } from "../redis/client.ts";
import { createDatabase } from "./client.ts";
import { events } from "./schema/index.ts";
import { insertEvent, type EventInput } from "../modules/admin/service.ts";
import { EventExistsError } from "../errors.ts";
import { syncEvent } from "../modules/events/sync.ts";
import { openWaitingRoom } from "../modules/admission/service.ts";

export const DEMO_EVENT: EventInput = {
  id: "demo",
  name: "Concert-U Live",
  venue: "Riverside Arena",
  startsAt: "2030-06-21T20:00:00.000Z",
  status: "on_sale",
  perOrderLimit: 4,
  holdSeconds: 300,
  admissionRate: 50,
  maxActive: 1000,
  sections: [
    { name: "A", rows: 20, seatsPerRow: 50, tier: "front", priceCents: 12000 },
    { name: "B", rows: 20, seatsPerRow: 50, tier: "standard", priceCents: 6500 },
  ],
};

if (import.meta.main) {
  const database = createDatabase(process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test", 2);
  const redis = await connectRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  try {
    try {
      await insertEvent(database.db, DEMO_EVENT, new Date());
      console.log(`created event ${DEMO_EVENT.id} with 2000 seats`);
    } catch (error) {
      if (!(error instanceof EventExistsError)) throw error;
      console.log(`event ${DEMO_EVENT.id} already exists`);
    }
    const [event] = await database.db.select().from(events).where(eq(events.id, DEMO_EVENT.id));
    await syncEvent(redis, database.db, event!, (await new EventCatalog(database.db).get(DEMO_EVENT.id)).tiers);
    const opened = await openWaitingRoom(redis, database.db, DEMO_EVENT.id, {
      opensAt: event!.saleOpensAt.getTime(),
      now: Date.now(),
      settings: { maxActive: event!.maxActive },
      about: event!,
    });
    console.log(opened ? `opened the waiting room of ${DEMO_EVENT.id}` : `the waiting room of ${DEMO_EVENT.id} is already open`);
  } catch (error) {
    console.error(`seeding failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    redis.disconnect();
    await database.close();
  }
}

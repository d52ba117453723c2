/** `{ adminKey: true }` on a route requires `Authorization: Bearer <ADMIN_KEY>`. */
import { Elysia } from "elysia";
import { timingSafeEqual, createHash } from "node:crypto";
import { AdminKeyError } from "../errors.ts";

const digest = (value: string) => createHash("sha256").update(value).digest();

export function adminKeyPlugin(adminKey: string) {
  const expected = digest(adminKey);
  return new Elysia({ name: "admin-key", seed: adminKey }).macro({
    adminKey: {
      beforeHandle({ headers }) {
        const match = /^Bearer\s+(.+)$/i.exec(headers.authorization?.trim() ?? "");
        if (!match || !timingSafeEqual(digest(match[1]!), expected)) throw new AdminKeyError();
      },
    },
  });
}

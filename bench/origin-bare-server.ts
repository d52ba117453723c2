/** The ceiling for the origin's routes: a bare Elysia route on Bun, nothing behind it. */
import { Elysia } from "elysia";

const app = new Elysia().post("/bare", () => ({ ok: true })).listen({ port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" });
console.log(`bare elysia on ${app.server?.port}`);

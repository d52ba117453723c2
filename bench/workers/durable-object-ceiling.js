/**
 * The join's own ceiling in this runtime: a Worker route whose only work is one RPC call to
 * a Durable Object that does nothing and answers at once, spread over two objects as the
 * local edge spreads joins over two JoinBatcher shards. A join cannot cost less than this
 * (it makes that call, then places the fan, mints a ticket and answers with a view), so
 * `bun run bench crowd` measures it beside the bare route and the join in the same run.
 */
import { DurableObject } from "cloudflare:workers";

export class Nothing extends DurableObject {
  call(request) {
    return { kind: "joined", ip: request.ip };
  }
}

/** Durable Object ids by shard (deriving one hashes the name; the edge keeps them too) */
const ids = [];

export default {
  async fetch(request, env) {
    const ip = request.headers.get("cf-connecting-ip") ?? "unknown";
    const shard = ip.length % 2;
    ids[shard] ??= env.NOTHING.idFromName(String(shard));
    const outcome = await env.NOTHING.get(ids[shard]).call({ ip });
    return new Response(JSON.stringify(outcome), { headers: { "content-type": "application/json" } });
  },
};

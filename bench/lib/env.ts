/** What every bench scenario starts from: the local secrets under the process environment, and where Redis and MySQL are. */
import { ensureDevSecrets } from "../../test/kit/dev-secrets.ts";

export interface BenchEnv {
  /** local secrets, overridden by the process environment */
  env: Record<string, string>;
  /** what the edge sends as X-Origin-Auth: benches that call the origin directly send it too */
  originAuth: string;
  redisUrl: string;
  databaseUrl: string;
}

export async function benchEnv(): Promise<BenchEnv> {
  const env: Record<string, string> = { ...(await ensureDevSecrets()), ...(process.env as Record<string, string>) };
  return {
    env,
    originAuth: env.ORIGIN_AUTH_SECRET?.split(",")[0]?.trim() ?? "",
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    databaseUrl: env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test",
  };
}

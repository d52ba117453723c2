/**
 * Retries side effects that must eventually happen (releasing a hold after a failed
 * purchase, recording a committed sale in Redis, giving money back) when the system they
 * touch is down at that moment. Each job retries with capped exponential backoff until it
 * succeeds or its deadline passes (for a hold release the deadline is the hold's own
 * expiry, after which Redis frees the seat by itself).
 */
export interface RetryJob {
  name: string;
  run(): Promise<void>;
  /** ms since epoch after which the job is dropped; undefined = keep trying */
  deadline?: number;
}

export interface Retrier {
  /** Runs the job now; on failure keeps retrying in the background. Resolves true if the first try succeeded. */
  submit(job: RetryJob): Promise<boolean>;
  /** jobs still waiting for a retry */
  pending(): number;
  /** Waits until no job is pending or `timeoutMs` passes. */
  drain(timeoutMs: number): Promise<boolean>;
  stop(): void;
}

export function createRetrier({ baseMs = 100, maxMs = 5000, log = console.error }: { baseMs?: number; maxMs?: number; log?: (message: string) => void } = {}): Retrier {
  const waiting = new Set<RetryJob>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;

  async function attempt(job: RetryJob): Promise<boolean> {
    try {
      await job.run();
      return true;
    } catch (error) {
      return (void error, false);
    }
  }

  function schedule(job: RetryJob, tries: number) {
    if (stopped) return;
    if (job.deadline !== undefined && Date.now() > job.deadline) {
      waiting.delete(job);
      log(`gave up retrying ${job.name}: deadline passed`);
      return;
    }
    const delay = Math.min(maxMs, baseMs * 2 ** Math.min(tries, 16)) * (0.75 + Math.random() * 0.5);
    const timer = setTimeout(async () => {
      timers.delete(timer);
      if (await attempt(job)) waiting.delete(job);
      else schedule(job, tries + 1);
    }, delay);
    timers.add(timer);
  }

  return {
    async submit(job) {
      if (await attempt(job)) return true;
      log(`${job.name} failed; retrying in the background`);
      waiting.add(job);
      schedule(job, 0);
      return false;
    },
    pending: () => waiting.size,
    async drain(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (waiting.size > 0 && Date.now() < until) await Bun.sleep(20);
      return waiting.size === 0;
    },
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

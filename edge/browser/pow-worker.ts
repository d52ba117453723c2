/**
 * The waiting room's proof-of-work solver, run as a Web Worker (the page's script starts it,
 * edge/browser/waiting-room.ts), so the fan's page stays responsive while it works. It is
 * handed an ALTCHA challenge from GET /queue/:eventId/challenge, finds its number with
 * altcha-lib's solver (SHA-256 over salt + n, n = 0, 1, 2, ...) and posts back the payload
 * the join carries in X-Challenge-Solution, with how long it took.
 */
import { solveChallenge } from "altcha-lib/v1";

interface Task {
  algorithm: string;
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
}

const scope = self as unknown as { onmessage: ((e: MessageEvent<Task>) => void) | null; postMessage(message: unknown): void };

scope.onmessage = async (e) => {
  const task = e.data;
  const started = performance.now();
  const solution = await solveChallenge(task.challenge, task.salt, task.algorithm, task.maxnumber).promise;
  if (!solution) {
    scope.postMessage({ ok: false });
    return;
  }
  const payload = btoa(JSON.stringify({ algorithm: task.algorithm, challenge: task.challenge, number: solution.number, salt: task.salt, signature: task.signature }));
  scope.postMessage({ ok: true, payload, ms: Math.round(performance.now() - started) });
};

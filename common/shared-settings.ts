/**
 * Settings the edge and the origin must agree on, because one side writes what the other
 * acts on: their environment variable and their one default. Each side declares the
 * variable with this default and its own bounds (edgeVariables in edge/src/env.ts,
 * schedulerVariables in origin/src/admission/config.ts); test/shared-settings.test.ts
 * fails when a variable both sides read has two defaults.
 */

/**
 * A waiting fan not seen for this long has left the line: 5 minutes by default, so a fan
 * whose page was closed (or whose phone slept) comes back to the same place. The edge
 * refreshes presence and retires left tickets in its shared read (readQueueState); the
 * scheduler drops them at the head instead of admitting them (admitFans). Set the same value
 * on both. An organiser's per-event `presenceGraceSeconds` (in the queue-state hash) wins
 * over it on both sides.
 */
export const PRESENCE_GRACE = { env: "PRESENCE_GRACE_SECONDS", defaultSeconds: 300 } as const;

/**
 * How long an admitted fan has to claim their turn: the scheduler writes each admission's
 * deadline with it (admitFans), per event unless an admin set `claimSeconds`. Only the
 * origin reads it: the edge takes deadlines from Redis. `ADMISSION_CLAIM_SECONDS` wins over
 * the older name `CLAIM_WINDOW_SECONDS`.
 */
export const CLAIM_WINDOW = { env: "ADMISSION_CLAIM_SECONDS", olderEnv: "CLAIM_WINDOW_SECONDS", defaultSeconds: 60 } as const;

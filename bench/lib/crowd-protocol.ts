/** What `bun run bench crowd` and its fan processes (bench/crowd-fans.ts) exchange. */
export interface FansInput {
  edgeUrl: string;
  eventId: string;
  /** this process's fans: indices `first, first + step, ...` below `total` */
  first: number;
  step: number;
  total: number;
  /** epoch ms of the first arrival; fan i arrives at startAt + i / total * arrivalSeconds */
  startAt: number;
  arrivalSeconds: number;
  /** share of fans that wait on SSE; the others poll /status */
  sseShare: number;
  seats: number;
  seatsPerRow: number;
  timeoutMs: number;
}

export const STEPS = ["join", "wait", "claim", "hold", "purchase", "leave", "journey"] as const;
export type Step = (typeof STEPS)[number];

export interface FansProgress {
  joined: number;
  streams: number;
  polling: number;
  bought: number;
  failed: number;
}

export interface FansResult {
  histograms: Record<Step, string>;
  /** `step status code` -> count, every answer (network errors are status 0) */
  answers: Record<string, number>;
  sales: Array<{ orderId: string; seatId: string }>;
  bought: number;
  failed: number;
  placed: number;
  /** times (ms since startAt) of the first join sent and the last join answered */
  firstJoinMs: number;
  lastJoinMs: number;
  maxStreams: number;
  reconnects: number;
}

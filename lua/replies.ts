/**
 * The reply decoders of the Redis scripts: what each script answers (its header's
 * `Returns`), as the callers use it. Replies arrive as ioredis gives them (numbers and
 * strings) or as Upstash REST gives them (JSON numbers and strings), so every value is
 * converted here, once, whatever the client.
 */
import { decodeEstimate, type HonestEstimate } from "../common/honest-line.ts";
import { challengeFailure, challengeMode, deviceBinding, parseAnnounced, positiveNumber, queueingStatusCode, type Announced, type ChallengeFailure, type ChallengeMode, type DeviceBinding, type QueueingStatusCode } from "../common/queue-state.ts";
import type { EndOfferCode, OfferCode, RestoreWaitlistCode, WaitlistJoinCode, WaitlistReadCode, AdmitCode, StaffCode, ApplyRoomCode, PublishCodeCode, RedeemCode, ReleaseCodeCode, SaveTurnAddressCode, ClaimCode, JoinCode, LeaseCode, MarkLostCode, MoveCode, OpenSaleCode, RenewCode, RestoreCode, SeatScriptCode, SeatScriptReply, StatusCode, TouchCode, ChoiceCode } from "./codes.ts";

type Raw = unknown;
const list = (raw: Raw): unknown[] => (Array.isArray(raw) ? raw : []);
const numbers = (raw: Raw): number[] => list(raw).map(Number);
const text = (v: unknown): string => (v === undefined || v === null ? "" : String(v));
/** A flat `key, value, key, value, ...` reply as a map. */
const pairs = (raw: unknown): Map<string, string> => {
  const flat = list(raw);
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(text(flat[i]), text(flat[i + 1]));
  return map;
};

/** holdSeats, releaseHold, beginPurchase, completePurchase: `{ code, detail }`. */
export function decodeSeatReply(raw: Raw): SeatScriptReply {
  const [code, detail] = list(raw);
  return [Number(code) as SeatScriptCode, Number(detail)];
}

/** holdBestSeats' answer: a seat script's reply and which candidate group it held (1-based; 0 when none). */
export type BestSeatsReply = [code: SeatScriptCode, detail: number, group: number];

export function decodeBestSeatsReply(raw: Raw): BestSeatsReply {
  const [code, detail, group] = list(raw);
  return [Number(code) as SeatScriptCode, Number(detail), Number(group)];
}

export interface PurchaseClaim {
  /** the record already under the key; null when this call claimed it */
  previous: string | null;
  hold: { sid: string | null; seats: string | null; expiresAt: string | null };
}

export function decodePurchaseClaim(raw: Raw): PurchaseClaim {
  const [previous, sid, seats, expiresAt] = list(raw).map((v) => (v === undefined || v === null ? null : String(v)));
  return { previous: previous ?? null, hold: { sid: sid ?? null, seats: seats ?? null, expiresAt: expiresAt ?? null } };
}

/** The line as a join batch left it (joinQueue's first value). */
export interface JoinLine extends Announced {
  serving: number;
  tail: number;
  waiting: number;
  goneTotal: number;
  /** numbers at or below the serving pointer that wait again, ascending */
  early: number[];
  /** what a new place needs first, and what a join without it gets (common/queue-state.ts) */
  challenge: ChallengeMode;
  challengeFailure: ChallengeFailure;
}

export interface JoinReply {
  line: JoinLine;
  /** one per join, in the batch's order; `next`: the difficulty the join's IP needs for its next new place (0: none asked) */
  joins: Array<{ code: JoinCode; number: number; detail: number; next: number }>;
}

export function decodeJoin(raw: Raw): JoinReply {
  const [state, codes, nums, details, next] = list(raw);
  const [status, serving, tail, waiting, goneTotal, admitRate, maxWaiting, opensAt, eventName, venue, startsAt, early, challenge, failure, closesAt] = list(state);
  const line: JoinLine = {
    ...parseAnnounced({ status, admitRate, maxWaiting, opensAt, closesAt, eventName, venue, startsAt }),
    serving: Number(serving),
    tail: Number(tail),
    waiting: Number(waiting),
    goneTotal: Number(goneTotal),
    early: numbers(early),
    challenge: challengeMode(challenge),
    challengeFailure: challengeFailure(failure),
  };
  const n = numbers(nums);
  const d = numbers(details);
  const x = numbers(next);
  return { line, joins: numbers(codes).map((code, i) => ({ code: code as JoinCode, number: n[i]!, detail: d[i]!, next: x[i] ?? 0 })) };
}

export interface LineRead extends Announced {
  tail: number;
  serving: number;
  waiting: number;
  goneTotal: number;
  /** the lowest gone numbers above the serving pointer, ascending */
  gone: number[];
  /** per looked-up ticket: claim deadline (ms) as text, "w" while waiting, "" when neither */
  lookups: string[];
  /** when the line was last restored after Redis lost it (ms), if ever */
  restoredAt: number | null;
  /** numbers at or below the serving pointer that wait again, ascending */
  early: number[];
  /** the presence grace the read applied (the event's own, else the edge's default), ms; null from an older script */
  presenceGraceMs: number | null;
  /** tickets whose place moved to another device since the time the read was asked about */
  moved: string[];
  /** the leader's estimate of what the sale has left, for each fan's chance; null when none was published */
  honest: HonestEstimate | null;
  /** the first position where the line takes no new place (the organiser's minChance); null when it takes every place */
  honestStop: number | null;
  /** whether places are bound to the fan's device (the organiser's setting) */
  deviceBinding: DeviceBinding;
  /** the HTTP status the waiting page answers a queued fan with (the organiser's setting) */
  queueingStatusCode: QueueingStatusCode;
  /** tier -> the first queue number at which the tier runs out for the seats declared ahead (seat budgets); {} when none */
  choiceCutoffs: Record<string, number>;
  /** ticket id -> its declared choice ("" once deleted), for the tickets whose choice changed since the time the read was asked about */
  changedChoices: Map<string, string>;
  /** when Redis read this state, by its own clock (ms); null from an older script */
  readAt: number | null;
}

function decodeCutoffs(raw: unknown): Record<string, number> {
  try {
    const parsed = JSON.parse(text(raw) || "{}") as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => Number.isFinite(v))) as Record<string, number>;
  } catch {
    return {};
  }
}

export function decodeLineRead(raw: Raw): LineRead {
  const [tail, serving, waiting, goneTotal, status, admitRate, maxWaiting, gone, found, opensAt, eventName, venue, startsAt, restoredAt, early, graceMs, moved, honest, honestStop, binding, statusCode, cutoffs, changed, closesAt, readAt] = list(raw);
  return {
    ...parseAnnounced({ status, admitRate, maxWaiting, opensAt, closesAt, eventName, venue, startsAt }),
    tail: Number(tail),
    serving: Number(serving),
    waiting: Number(waiting),
    goneTotal: Number(goneTotal),
    gone: numbers(gone),
    lookups: list(found).map(text),
    restoredAt: positiveNumber(restoredAt),
    early: numbers(early),
    presenceGraceMs: positiveNumber(graceMs),
    moved: list(moved).map(text),
    honest: decodeEstimate(text(honest)),
    honestStop: positiveNumber(honestStop),
    deviceBinding: deviceBinding(binding),
    queueingStatusCode: queueingStatusCode(statusCode),
    choiceCutoffs: decodeCutoffs(cutoffs),
    changedChoices: pairs(changed),
    readAt: positiveNumber(readAt),
  };
}

/** `choice`: a waiting fan's declared choice as stored ('' when none). */
export function decodeTouch(raw: Raw): { code: TouchCode; value: number; choice: string } {
  const [code, value] = numbers(raw);
  const choice = Array.isArray(raw) && typeof raw[2] === "string" ? raw[2] : "";
  return { code: code as TouchCode, value: value ?? 0, choice };
}

export function decodeMove(raw: Raw): { code: MoveCode; value: number } {
  const [code, value] = numbers(raw);
  return { code: code as MoveCode, value: value ?? 0 };
}

export function decodeClaim(raw: Raw): { code: ClaimCode; expiresAt: number; choice: string } {
  const [code, expiresAt] = numbers(raw);
  const choice = Array.isArray(raw) && typeof raw[2] === "string" ? raw[2] : "";
  return { code: code as ClaimCode, expiresAt: expiresAt ?? 0, choice };
}

export function decodeChoice(raw: Raw): { code: ChoiceCode; number: number } {
  const [code, number] = numbers(raw);
  return { code: code as ChoiceCode, number: number ?? 0 };
}

/** extendClaim / extendHold: the code and the new deadline or expiry (ms), or what the code says the detail is. */
export function decodeExtend<Code extends number>(raw: Raw): { code: Code; detail: number } {
  const [code, detail] = numbers(raw);
  return { code: code as Code, detail: detail ?? 0 };
}

export function decodeStaff(raw: Raw): { code: StaffCode; expiresAt: number } {
  const [code, expiresAt] = numbers(raw);
  return { code: code as StaffCode, expiresAt: expiresAt ?? 0 };
}

export interface AdmitResult {
  code: AdmitCode;
  admitted: number;
  abandoned: number;
  claimExpired: number;
  sessionsEnded: number;
  waiting: number;
  active: number;
  unclaimed: number;
  serving: number;
  /** measured admissions per second over the last minute */
  admitRate: number;
  /** the ticket counter: the last queue number issued */
  seq: number;
  /** the claim deadline (ms) of the tickets admitted in this call */
  deadline: number;
  /** the tickets admitted in this call, with their numbers */
  admittedTickets: Array<{ ticketId: string; number: number }>;
}

export function decodeAdmit(raw: Raw): AdmitResult {
  const r = list(raw);
  const n = r.slice(0, 12).map(Number);
  const taken = list(r[12]);
  const admittedTickets: AdmitResult["admittedTickets"] = [];
  for (let i = 0; i + 1 < taken.length; i += 2) admittedTickets.push({ ticketId: String(taken[i]), number: Number(taken[i + 1]) });
  return {
    code: n[0] as AdmitCode,
    admitted: n[1]!,
    abandoned: n[2]!,
    claimExpired: n[3]!,
    sessionsEnded: n[4]!,
    waiting: n[5]!,
    active: n[6]!,
    unclaimed: n[7]!,
    serving: n[8]!,
    admitRate: n[9]!,
    seq: n[10]!,
    deadline: n[11]!,
    admittedTickets,
  };
}

export function decodeLease(raw: Raw): { code: LeaseCode; token: string } {
  const [code, token] = list(raw);
  return { code: Number(code) as LeaseCode, token: String(token) };
}

/** A reply whose only meaningful value is its code. */
export const decodeCode =
  <C extends number>() =>
  (raw: Raw): C =>
    Number(list(raw)[0]) as C;

export const decodeRenew = decodeCode<RenewCode>();
export const decodeApplyRoom = decodeCode<ApplyRoomCode>();

export function decodeOpenSale(raw: Raw): { code: OpenSaleCode; drawn: number } {
  const [code, drawn] = numbers(raw);
  return { code: code as OpenSaleCode, drawn: drawn! };
}

export function decodeStatusChange(raw: Raw): { code: StatusCode; status: string } {
  const [code, status] = list(raw);
  return { code: Number(code) as StatusCode, status: String(status) };
}

export interface RestoreResult {
  code: RestoreCode;
  serving: number;
  seq: number;
  lost: number;
  dropped: number;
}

/** markLost: the outcome and how many numbers went into `lost` */
export function decodeMarkLost(raw: Raw): { code: MarkLostCode; marked: number } {
  const [code, marked] = numbers(raw);
  return { code: code as MarkLostCode, marked: marked! };
}

export function decodeRestore(raw: Raw): RestoreResult {
  const [code, serving, seq, lost, dropped] = numbers(raw);
  return { code: code as RestoreCode, serving: serving!, seq: seq!, lost: lost!, dropped: dropped! };
}

/** redeemAccessCode: the outcome, and the code's id and tier ("" = any) when it exists. */
export function decodeRedeem(raw: Raw): { code: RedeemCode; codeId: string; tier: string } {
  const [code, codeId, tier] = list(raw);
  return { code: Number(code) as RedeemCode, codeId: text(codeId), tier: text(tier) };
}

export function decodeReleaseCode(raw: Raw): { code: ReleaseCodeCode } {
  return { code: Number(list(raw)[0]) as ReleaseCodeCode };
}

export function decodePublishCode(raw: Raw): { code: PublishCodeCode; used: number } {
  const [code, used] = list(raw);
  return { code: Number(code) as PublishCodeCode, used: Number(used) };
}

export function decodeSaveTurnAddress(raw: Raw): { code: SaveTurnAddressCode } {
  return { code: Number(list(raw)[0]) as SaveTurnAddressCode };
}

/** takeTurnAddresses: the mails taken, by ticket id. */
export function decodeTurnMails(raw: Raw): Array<{ tid: string; mail: string }> {
  const flat = list(raw).map(text);
  const out: Array<{ tid: string; mail: string }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ tid: flat[i]!, mail: flat[i + 1]! });
  return out;
}

/** joinWaitlist: `{ code, place, position }`. */
export function decodeWaitlistJoin(raw: Raw): { code: WaitlistJoinCode; place: number; position: number } {
  const [code, place, position] = numbers(raw);
  return { code: code as WaitlistJoinCode, place: place ?? 0, position: position ?? 0 };
}

/** One fan's waiting-list entry as readWaitlist reads it. */
export interface WaitlistRead {
  code: WaitlistReadCode;
  place: number;
  position: number;
  /** claim deadline of an open offer (ms); 0 without one */
  deadline: number;
  seatIds: string[];
  /** entries waiting on the list */
  waiting: number;
  quantity: number;
  tier: string | null;
  status: string;
}

export function decodeWaitlistRead(raw: Raw): WaitlistRead {
  const [code, place, position, deadline, seats, waiting, ask, status] = list(raw);
  const [quantity, tier] = text(ask).split("|");
  return {
    code: Number(code) as WaitlistReadCode,
    place: Number(place),
    position: Number(position),
    deadline: Number(deadline),
    seatIds: text(seats) === "" ? [] : text(seats).split(","),
    waiting: Number(waiting),
    quantity: Number(quantity ?? 0),
    tier: tier ? tier : null,
    status: text(status),
  };
}

/** offerSeats: `{ code, deadline, group }`. */
export function decodeOffer(raw: Raw): { code: OfferCode; deadline: number; group: number } {
  const [code, deadline, group] = numbers(raw);
  return { code: code as OfferCode, deadline: deadline ?? 0, group: group ?? 0 };
}

/** endOffer: `{ code, released }`. */
export function decodeEndOffer(raw: Raw): { code: EndOfferCode; released: number } {
  const [code, released] = numbers(raw);
  return { code: code as EndOfferCode, released: released ?? 0 };
}

/** restoreWaitlist: `{ code, restored, seq }`. */
export function decodeRestoreWaitlist(raw: Raw): { code: RestoreWaitlistCode; restored: number; seq: number } {
  const [code, restored, seq] = numbers(raw);
  return { code: code as RestoreWaitlistCode, restored: restored ?? 0, seq: seq ?? 0 };
}

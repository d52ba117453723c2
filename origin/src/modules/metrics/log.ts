/** Structured logs: one JSON object per line on stdout (errors on stderr), with the request id when there is one. */
export type LogLevel = "debug" | "info" | "warn" | "error";

export function logJson(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }, (_k, v) => (v instanceof Error ? { name: v.name, message: v.message } : v));
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

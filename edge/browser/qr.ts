/**
 * Draws a QR code of a text on a canvas (the resume link on the waiting page), with the
 * pinned `uqr` encoder bundled into the page's script: no image is fetched, nothing runs
 * inline, so the page keeps its strict Content-Security-Policy.
 */
import { encode } from "uqr";

export function drawQr(canvas: HTMLCanvasElement, text: string): void {
  const { size, data } = encode(text, { ecc: "M", border: 2 });
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const scale = Math.max(1, Math.floor(Math.min(canvas.width, canvas.height) / size));
  canvas.width = canvas.height = size * scale;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#000";
  data.forEach((row, y) => row.forEach((dark, x) => dark && ctx.fillRect(x * scale, y * scale, scale, scale)));
}

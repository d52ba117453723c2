/**
 * Telling a fan who is not watching that their turn came: the tab's title, a short chime
 * (WebAudio, two notes) and a system notification (Notification API). The permission is
 * asked only when the fan presses the page's button, never on load; the chime's audio
 * context starts on that press too, since browsers let sound start only after a gesture.
 * Its words come from the page's catalogue (edge/src/i18n).
 */
import type { LiveTexts } from "../src/i18n/en.ts";

let audio: AudioContext | null = null;

/** Asks for the notification permission (and readies the chime); says what the fan will get. */
export async function askToBeTold(t: Pick<LiveTexts, "notifyUnsupported" | "notifyGranted" | "notifyBlocked">): Promise<string> {
  try {
    audio ??= new AudioContext();
    // not awaited: without an audio device the promise may never settle
    void audio.resume().catch(() => {});
  } catch {
    audio = null;
  }
  if (!("Notification" in window)) return t.notifyUnsupported;
  const permission = Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
  return permission === "granted" ? t.notifyGranted : t.notifyBlocked;
}

/** Two short notes, when the fan readied the chime (or the browser lets sound start without a gesture). */
export function chime(): void {
  try {
    audio ??= new AudioContext();
    const ctx = audio;
    void ctx.resume();
    [660, 880].forEach((hz, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = hz;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(ctx.destination);
      const at = ctx.currentTime + i * 0.18;
      osc.start(at);
      osc.stop(at + 0.15);
    });
  } catch {
    // no audio on this device: the title and the notification still tell
  }
}

/** A system notification when the fan allowed them; clicking it brings the page back. */
export function notify(title: string, body: string, onClick: () => void): void {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  try {
    const n = new Notification(title, { body, tag: "concert-u-turn", requireInteraction: true });
    n.onclick = () => {
      window.focus();
      n.close();
      onClick();
    };
  } catch {
    // some browsers allow notifications only from a service worker: the title and chime still tell
  }
}

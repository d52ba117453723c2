/**
 * The dashboard's presale panel: the invite-only switch and the event's access codes
 * (create single-use or N-use codes, optionally for a tier and a window; see how many
 * places each gave; revoke one). New codes are shown once, as the API answers them: only
 * their hashes are kept. The dashboard (./dashboard.ts) hands it its authorised `call`.
 */
import { byId } from "./dom.ts";

export type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

interface CodeView {
  id: string;
  label: string | null;
  uses: number;
  used: number;
  tier: string | null;
  validFrom: string | null;
  validUntil: string | null;
  revoked: boolean;
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "");

function cell(row: HTMLTableRowElement, text: string): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  return td;
}

export function accessPanel(call: Call, base: string, said: (message: string) => void) {
  const table = byId<HTMLTableSectionElement>("codes-body");

  async function load(): Promise<void> {
    const { codes } = await call<{ codes: CodeView[] }>("GET", base + "/access-codes");
    table.replaceChildren();
    for (const c of codes) {
      const row = table.insertRow();
      cell(row, c.label ?? "");
      cell(row, c.used + " / " + c.uses);
      cell(row, c.tier ?? "any");
      cell(row, c.validFrom || c.validUntil ? when(c.validFrom) + " to " + (when(c.validUntil) || "no end") : "always");
      cell(row, c.revoked ? "revoked" : c.used >= c.uses ? "used up" : "active");
      const actions = row.insertCell();
      if (!c.revoked) {
        const revoke = document.createElement("button");
        revoke.type = "button";
        revoke.className = "secondary";
        revoke.textContent = "Revoke";
        revoke.setAttribute("aria-label", "Revoke code " + (c.label ?? c.id));
        revoke.addEventListener("click", async () => {
          revoke.disabled = true;
          try {
            await call("DELETE", base + "/access-codes/" + encodeURIComponent(c.id));
            said("Code revoked: it gives no more places.");
            await load();
          } catch (e) {
            said((e as Error).message);
            revoke.disabled = false;
          }
        });
        actions.append(revoke);
      }
    }
    byId("codes-empty").hidden = codes.length > 0;
  }

  byId("codes-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = (id: string) => byId<HTMLInputElement>(id).value.trim();
    const body: Record<string, unknown> = { count: Number(value("code-count") || 1), uses: Number(value("code-uses") || 1) };
    if (value("code-tier")) body.tier = value("code-tier");
    if (value("code-label")) body.label = value("code-label");
    if (value("code-from")) body.validFrom = new Date(value("code-from")).toISOString();
    if (value("code-until")) body.validUntil = new Date(value("code-until")).toISOString();
    const button = byId<HTMLButtonElement>("codes-submit");
    button.disabled = true;
    try {
      const { codes } = await call<{ codes: Array<{ code: string }> }>("POST", base + "/access-codes", body);
      const list = byId("new-codes-list");
      list.replaceChildren(...codes.map((c) => Object.assign(document.createElement("li"), { textContent: c.code })));
      byId("new-codes").hidden = false;
      said(codes.length === 1 ? "1 code created; copy it now: it is not shown again." : codes.length + " codes created; copy them now: they are not shown again.");
      await load();
    } catch (e) {
      said((e as Error).message);
    } finally {
      button.disabled = false;
    }
  });

  const invite = byId<HTMLInputElement>("invite-only");
  invite.addEventListener("change", async () => {
    invite.disabled = true;
    try {
      await call("PATCH", base + "/queue", { inviteOnly: invite.checked });
      said(invite.checked ? "The room is invite-only: only fans with an access code get a place." : "The room is open to every fan.");
    } catch (e) {
      invite.checked = !invite.checked;
      said((e as Error).message);
    } finally {
      invite.disabled = false;
    }
  });

  return {
    load,
    /** the room's setting as the live state says (not while the organiser is changing it) */
    showInviteOnly(on: boolean | undefined) {
      if (!invite.disabled && document.activeElement !== invite) invite.checked = Boolean(on);
    },
  };
}

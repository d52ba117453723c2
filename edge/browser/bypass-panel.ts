/**
 * The dashboard's staff and monitoring panel: the event's bypass rules (a path prefix that
 * never queues, a staff secret, an IP range), with how many requests each let through; add
 * one, switch it on or off, remove it. A new secret is shown once, as the API answers it:
 * only its hash is kept. A value the API refuses (a bad range, path or secret) is said beside
 * its field, not in the panel's notice. The dashboard (./dashboard.ts) hands it its authorised
 * `call`.
 */
import type { Call } from "./access-panel.ts";
import { byId } from "./dom.ts";

interface RuleView {
  id: string;
  kind: "path" | "header" | "ip";
  label: string;
  enabled: boolean;
  path: string | null;
  cidr: string | null;
  uses: number;
}

const KIND_WORDS: Record<RuleView["kind"], string> = { path: "Path", header: "Staff secret", ip: "IP range" };

function cell(row: HTMLTableRowElement, text: string): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  return td;
}

function button(text: string, label: string, onClick: (b: HTMLButtonElement) => Promise<void>): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "secondary";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      await onClick(b);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

export function bypassPanel(call: Call, base: string, said: (message: string) => void) {
  const table = byId<HTMLTableSectionElement>("rules-body");

  async function act(what: () => Promise<unknown>, done: string): Promise<void> {
    try {
      await what();
      said(done);
      await load();
    } catch (e) {
      said((e as Error).message);
    }
  }

  async function load(): Promise<void> {
    const { rules } = await call<{ rules: RuleView[] }>("GET", base + "/bypass-rules");
    table.replaceChildren();
    for (const r of rules) {
      const row = table.insertRow();
      cell(row, r.label);
      cell(row, KIND_WORDS[r.kind]);
      cell(row, r.path ?? r.cidr ?? "(secret: only its hash is kept)");
      cell(row, String(r.uses));
      cell(row, r.enabled ? "on" : "off");
      const actions = row.insertCell();
      const path = base + "/bypass-rules/" + encodeURIComponent(r.id);
      actions.append(
        button(r.enabled ? "Turn off" : "Turn on", (r.enabled ? "Turn off rule " : "Turn on rule ") + r.label, () =>
          act(() => call("PATCH", path, { enabled: !r.enabled }), r.enabled ? "Rule off: it lets nothing through (within a few seconds)." : "Rule on."),
        ),
        button("Remove", "Remove rule " + r.label, () => act(() => call("DELETE", path), "Rule removed.")),
      );
    }
    byId("rules-empty").hidden = rules.length > 0;
  }

  const kind = byId<HTMLSelectElement>("rule-kind");
  const showValue = () => {
    const k = kind.value;
    byId("rule-value-label").textContent = k === "path" ? "Path prefix (under /events/<event>/)" : k === "ip" ? "IP range (CIDR)" : "Secret (empty: generated)";
  };
  kind.addEventListener("change", showValue);
  showValue();

  // the value field's own error: shown beside it, marked on it, cleared once it is edited
  const valueInput = byId<HTMLInputElement>("rule-value");
  const valueError = byId("rule-value-error");
  const sayAtValue = (message: string | null) => {
    valueError.textContent = message ?? "";
    valueError.hidden = !message;
    if (message) valueInput.setAttribute("aria-invalid", "true");
    else valueInput.removeAttribute("aria-invalid");
  };
  valueInput.addEventListener("input", () => sayAtValue(null));
  kind.addEventListener("change", () => sayAtValue(null));
  /** A refusal about the value field (the API names `cidr`, `path` or `secret`), not about the rule as a whole. */
  const aboutValue = (e: unknown) => (e as { status?: number }).status === 400 && /\b(cidr|path|secret)\b/i.test((e as Error).message);

  byId("rules-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = valueInput.value.trim();
    const body: Record<string, unknown> = { kind: kind.value, label: byId<HTMLInputElement>("rule-label").value.trim() };
    if (kind.value === "path") body.path = value;
    else if (kind.value === "ip") body.cidr = value;
    else if (value) body.secret = value;
    const submit = byId<HTMLButtonElement>("rules-submit");
    submit.disabled = true;
    try {
      const created = await call<{ secret?: string }>("POST", base + "/bypass-rules", body);
      byId("new-secret").hidden = !created.secret;
      byId("new-secret-text").textContent = created.secret ?? "";
      said(created.secret ? "Rule added; copy the secret now: it is not shown again. Staff send it as X-Concert-U-Bypass." : "Rule added.");
      valueInput.value = "";
      await load();
      sayAtValue(null);
    } catch (e) {
      if (aboutValue(e)) {
        sayAtValue((e as Error).message);
        said("");
        valueInput.focus();
      } else said((e as Error).message);
    } finally {
      submit.disabled = false;
    }
  });

  return { load };
}

/**
 * The dashboard's rooms panel: what this waiting room covers besides its own event (other
 * events, a tour's nights, and path prefixes under /events/<id>/), and which room decides each
 * cover now, as GET .../queue/covers answers it (another room may win an overlap). The organiser
 * sets both lists in one PUT; the origin's refusal (400) is shown beside the field it is about.
 * The dashboard (./dashboard.ts) hands it its authorised `call`.
 */
import type { Call } from "./access-panel.ts";
import { byId } from "./dom.ts";

interface Decided {
  value: string;
  room: string;
}

interface CoversView {
  eventId: string;
  events: Decided[];
  paths: Decided[];
}

/** The values of a field: one a line (commas and spaces separate too), empty ones left out. */
const valuesOf = (field: HTMLTextAreaElement) => field.value.split(/[\s,]+/).filter((v) => v !== "");

/** Which field a refusal is about: the paths one when it names `paths` or a path, else the events one. */
const aboutPaths = (message: string, paths: string[]) => /`paths`|canonical path|\/paths/.test(message) || paths.some((p) => message.includes(JSON.stringify(p)));

export function roomsPanel(call: Call, base: string, eventId: string, said: (message: string) => void) {
  const fields = { events: byId<HTMLTextAreaElement>("covered-events"), paths: byId<HTMLTextAreaElement>("covered-paths") };
  const problems = { events: byId("covered-events-problem"), paths: byId("covered-paths-problem") };
  const table = byId<HTMLTableSectionElement>("covers-body");

  function showProblem(which: "events" | "paths" | null, message = ""): void {
    for (const k of ["events", "paths"] as const) {
      const here = k === which;
      problems[k].textContent = here ? message : "";
      problems[k].hidden = !here;
      if (here) fields[k].setAttribute("aria-invalid", "true");
      else fields[k].removeAttribute("aria-invalid");
    }
  }

  // what the organiser typed is theirs until it is set: a load that answers later (the
  // panel's first one, on a slow connection) fills the table, not the fields
  let typed = false;
  for (const field of Object.values(fields)) field.addEventListener("input", () => (typed = true));

  function show(view: CoversView): void {
    if (!typed) {
      fields.events.value = view.events.map((c) => c.value).join("\n");
      fields.paths.value = view.paths.map((c) => c.value).join("\n");
    }
    table.replaceChildren();
    for (const [kind, covers] of [["Event", view.events], ["Path", view.paths]] as const) {
      for (const c of covers) {
        const row = table.insertRow();
        row.insertCell().textContent = c.value;
        row.insertCell().textContent = kind;
        row.insertCell().textContent = c.room === eventId ? "this room" : c.room + " (that room's line wins it)";
      }
    }
    byId("covers-empty").hidden = view.events.length + view.paths.length > 0;
  }

  async function load(): Promise<void> {
    show(await call<CoversView>("GET", base + "/queue/covers"));
  }

  byId("covers-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { events: valuesOf(fields.events), paths: valuesOf(fields.paths) };
    const submit = byId<HTMLButtonElement>("covers-submit");
    submit.disabled = true;
    try {
      const view = await call<CoversView>("PUT", base + "/queue/covers", body);
      showProblem(null);
      typed = false;
      show(view);
      const lost = [...view.events, ...view.paths].filter((c) => c.room !== eventId).length;
      said(
        (view.events.length + view.paths.length === 0 ? "The room covers only its own event." : "Covers set: fans of what the room covers wait in its line (the edge follows within seconds).") +
          (lost > 0 ? " " + lost + " of them another room decides now." : ""),
      );
    } catch (e) {
      const message = (e as Error).message;
      if ((e as { status?: number }).status === 400) {
        const which = aboutPaths(message, body.paths) ? "paths" : "events";
        showProblem(which, message);
        fields[which].focus();
        said("Nothing changed: see the field.");
      } else {
        showProblem(null);
        said(message);
      }
    } finally {
      submit.disabled = false;
    }
  });

  return { load };
}

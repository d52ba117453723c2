/**
 * The dashboard's pages panel: the organiser's own page for one state of the line (waiting,
 * pre-queue, paused, sold out, closed), uploaded as HTML through the admin API, which
 * keeps it sanitised; the panel shows what was kept and links to the edge's preview. The
 * dashboard (./dashboard.ts) hands it its authorised `call`.
 */
import type { Call } from "./access-panel.ts";
import { byId } from "./dom.ts";

interface TemplateView {
  kind: string;
  html: string;
  previewPath: string;
  sanitized?: boolean;
}

export function pagesPanel(call: Call, base: string, said: (message: string) => void) {
  const kind = byId<HTMLSelectElement>("page-kind");
  const html = byId<HTMLTextAreaElement>("page-html");
  const preview = byId<HTMLAnchorElement>("page-preview");
  let kept = new Map<string, TemplateView>();

  function showKind(): void {
    const t = kept.get(kind.value);
    html.value = t?.html ?? "";
    preview.hidden = !t;
    if (t) preview.href = t.previewPath;
  }

  async function load(): Promise<void> {
    const { templates } = await call<{ templates: TemplateView[] }>("GET", base + "/page-templates");
    kept = new Map(templates.map((t) => [t.kind, t]));
    showKind();
  }

  kind.addEventListener("change", showKind);
  byId("pages-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = byId<HTMLButtonElement>("page-save");
    button.disabled = true;
    try {
      if (html.value.trim()) {
        const saved = await call<TemplateView>("PUT", base + "/page-templates/" + kind.value, { html: html.value });
        kept.set(saved.kind, saved);
        said(saved.sanitized ? "Page saved; what fans may not be shown (scripts, styles, handlers, unsafe links) was removed." : "Page saved: fans see it from their next page load.");
      } else {
        await call("DELETE", base + "/page-templates/" + kind.value);
        kept.delete(kind.value);
        said("Page removed: fans see the built-in one.");
      }
      showKind();
    } catch (e) {
      said((e as Error).message);
    } finally {
      button.disabled = false;
    }
  });

  return { load };
}

/**
 * The dashboard's pages panel: the organiser's own page for one state of the line (waiting,
 * pre-queue, paused, sold out, closed), the default one or one language's, uploaded as HTML through the admin API, which
 * keeps it sanitised; the panel shows what was kept and links to the edge's preview. The
 * dashboard (./dashboard.ts) hands it its authorised `call`.
 */
import type { Call } from "./access-panel.ts";
import { byId } from "./dom.ts";

interface TemplateView {
  kind: string;
  /** null: the default page (every language without its own) */
  lang: string | null;
  html: string;
  previewPath: string;
  sanitized?: boolean;
}

export function pagesPanel(call: Call, base: string, said: (message: string) => void) {
  const kind = byId<HTMLSelectElement>("page-kind");
  const lang = byId<HTMLSelectElement>("page-lang");
  /** the kept pages by "kind" (the default one) or "kind:lang", as the edge's Redis copy names them */
  const keyOf = (k: string, l: string | null) => (l ? k + ":" + l : k);
  const chosen = () => keyOf(kind.value, lang.value || null);
  const langQuery = () => (lang.value ? "?lang=" + lang.value : "");
  const html = byId<HTMLTextAreaElement>("page-html");
  const preview = byId<HTMLAnchorElement>("page-preview");
  let kept = new Map<string, TemplateView>();

  /** The chosen page as kept: its text in the field (unless the organiser's own text stays there) and its preview link. */
  function showKind(keepText = false): void {
    const t = kept.get(chosen());
    if (!keepText) html.value = t?.html ?? "";
    preview.hidden = !t;
    if (t) preview.href = t.previewPath;
  }

  // what the organiser typed stays until they save it or pick another page: a load that
  // answers later (the panel's first one, on a slow connection) does not replace it
  let typed = false;
  html.addEventListener("input", () => (typed = true));

  async function load(): Promise<void> {
    const { templates } = await call<{ templates: TemplateView[] }>("GET", base + "/page-templates");
    kept = new Map(templates.map((t) => [keyOf(t.kind, t.lang), t]));
    showKind(typed);
  }

  const pick = () => {
    typed = false;
    showKind();
  };
  kind.addEventListener("change", pick);
  lang.addEventListener("change", pick);
  byId("pages-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = byId<HTMLButtonElement>("page-save");
    button.disabled = true;
    try {
      if (html.value.trim()) {
        const saved = await call<TemplateView>("PUT", base + "/page-templates/" + kind.value, lang.value ? { lang: lang.value, html: html.value } : { html: html.value });
        kept.set(keyOf(saved.kind, saved.lang), saved);
        said(saved.sanitized ? "Page saved; what fans may not be shown (scripts, styles, handlers, unsafe links) was removed." : "Page saved: fans see it from their next page load.");
      } else {
        await call("DELETE", base + "/page-templates/" + kind.value + langQuery());
        kept.delete(chosen());
        said(lang.value ? "Page removed: fans reading this language see the default page, or the built-in one." : "Page removed: fans see the built-in one, or their language's own page.");
      }
      typed = false;
      showKind();
    } catch (e) {
      said((e as Error).message);
    } finally {
      button.disabled = false;
    }
  });

  return { load };
}

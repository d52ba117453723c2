/**
 * What every page's script needs from its page: elements by id, and the values the server
 * wrote into the body's data attributes (the pages carry no inline script, so this is how
 * the HTML hands the script its event id and first view).
 */

/** The element with this id; a page without it is a broken page, so this throws. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** A `data-*` attribute of <body> (name in camelCase, as `dataset` spells it). */
export function pageData(name: string): string {
  const value = document.body.dataset[name];
  if (value === undefined) throw new Error(`the page has no data-${name} on its body`);
  return value;
}

/** A `data-*` attribute of <body> the server wrote as JSON (edge/src/html.ts); null when absent. */
export function pageJson<T>(name: string): T | null {
  const value = document.body.dataset[name];
  return value === undefined ? null : (JSON.parse(value) as T);
}

/** What a JSON error or answer from this site's routes may carry. */
export interface ApiBody {
  code?: string;
  message?: string;
  [field: string]: unknown;
}

/** The body of a response as JSON; {} when it has none or it is not JSON. */
export async function jsonBody<T = ApiBody>(res: Response): Promise<T> {
  return (await res.json().catch(() => ({}))) as T;
}

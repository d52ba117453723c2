/**
 * Shared Lua pieces (`lua/includes/*.lua`), pulled into a script where a line of it says
 * `-- @include <name>`, once, when the registry loads it: Redis runs one self-contained
 * source, and a piece several scripts need is written once.
 */
import lineRestoring from "./includes/lineRestoring.lua";

const includes: Record<string, string> = { lineRestoring };

export function withIncludes(source: string): string {
  return source.replace(/^-- @include (\w+)$/gm, (_, name: string) => {
    const piece = includes[name];
    if (piece === undefined) throw new Error(`unknown Lua include ${JSON.stringify(name)}`);
    return piece.trimEnd();
  });
}

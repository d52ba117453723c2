/**
 * Shared Lua pieces (`lua/includes/*.lua`), pulled into a script where a line of it says
 * `-- @include <name>`, once, when the registry loads it: Redis runs one self-contained
 * source, and a piece several scripts need is written once. A piece may include another;
 * each is pulled in at its first mention only, so a script that names a piece two others
 * also need defines it once.
 */
import customerRoom from "./includes/customerRoom.lua";
import deleteIfHolds from "./includes/deleteIfHolds.lua";
import earlyNumbers from "./includes/earlyNumbers.lua";
import takeExtension from "./includes/takeExtension.lua";
import lineRestoring from "./includes/lineRestoring.lua";
import recordHold from "./includes/recordHold.lua";
import serverRunId from "./includes/serverRunId.lua";
import sessionLive from "./includes/sessionLive.lua";
import vouchRun from "./includes/vouchRun.lua";

const includes: Record<string, string> = { customerRoom, deleteIfHolds, earlyNumbers, takeExtension, lineRestoring, recordHold, serverRunId, sessionLive, vouchRun };

/** The names of the pieces, for tests that check each is used. */
export const includeNames = Object.keys(includes);

export function withIncludes(source: string, pulled = new Set<string>()): string {
  return source.replace(/^-- @include (\w+)$/gm, (_, name: string) => {
    const piece = includes[name];
    if (piece === undefined) throw new Error(`unknown Lua include ${JSON.stringify(name)}`);
    if (pulled.has(name)) return `-- ${name}: pulled in above`;
    pulled.add(name);
    return withIncludes(piece, pulled).trimEnd();
  });
}

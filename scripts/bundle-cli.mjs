// Bundles the readiness command for startup time: dist/cli/readiness.mjs, which bin/readiness.js loads, and
// chunks under dist/cli/chunks/. Node loads one file much faster than tsc's tree of ~200 small modules (zod
// alone is most of them), and compiles less when what a run does not use is left out.
//
//   node scripts/bundle-cli.mjs        (part of `npm run build`)
//
// Inlined: our sources and the packages a local `check` uses (zod, yaml, re2js). Every other
// package stays an import from node_modules. Each `import()` becomes a chunk loaded only when reached: the
// GitHub mode (`--repo`, Octokit), `reconcile` (Probot), `schema`, and src/cli/pipeline.ts (policy, engine,
// reports), which a local check loads while git lists the files. The server (`npm start`) does not use
// this bundle: it runs tsc's dist/app/main.js.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "dist/cli");
const CHUNKS = join(OUT, "chunks");
const INLINED = new Set(["zod", "yaml", "re2js"]);

/** Bare imports stay external unless their package is in INLINED. */
const externals = {
  name: "externals",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      const parts = args.path.split("/");
      const name = args.path.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
      return INLINED.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * zod's namespace `z` re-exports every locale (~400 KB of the bundle); only English is used (zod's default).
 * `z.locales` then lists English only.
 */
const englishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
      loader: "js",
    }));
  },
};

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { readiness: "src/cli/main.ts" },
  outdir: OUT,
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // The CommonJS build of yaml calls require() (yaml: require("process")), which an ES module
  // only has when it makes one.
  banner: {
    js: 'import { createRequire as __readinessRequire } from "node:module"; const require = __readinessRequire(import.meta.url);',
  },
  plugins: [externals, englishOnly],
  legalComments: "none",
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
});

// Chunk names carry a content hash: remove those this build did not write.
const written = new Set(Object.keys(result.metafile.outputs).map((p) => basename(p)));
if (existsSync(CHUNKS)) {
  for (const name of readdirSync(CHUNKS)) if (!written.has(name)) rmSync(join(CHUNKS, name), { force: true });
}

// Bundles the readiness command for startup time: dist/cli/readiness.cjs, which bin/readiness.js loads through
// bin/load-cli.js, and its V8 code cache dist/cli/readiness.cjs.cache, made here by running the bundle on a
// small checkout. Node loads one file much faster than tsc's tree of ~200 small modules (zod alone is most of
// them), and with the code cache it compiles next to nothing.
//
//   node scripts/bundle-cli.mjs        (part of `npm run build`, before tsc)
//
// Inlined: our sources and the packages a local `check` uses (zod, yaml, re2js). Every other package stays a
// require or import() from node_modules. CommonJS, because Node 20 caches compiled code for scripts
// (vm.Script) only, so there are no chunks: an `import()` of our own modules becomes a function run when
// reached, and a local check runs only the code it needs (V8 compiles a function when it is first called).
// The GitHub mode (`--repo`) and `reconcile` are not bundled: they import tsc's dist/evidence/github/cli.js and
// dist/app/ (Octokit, Probot), which `npm run build` writes beside dist/cli. The server (`npm start`) does
// not use this bundle either: it runs tsc's dist/app/main.js.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "dist/cli");
const BUNDLE = join(OUT, "readiness.cjs");
const INLINED = new Set(["zod", "yaml", "re2js"]);

/** tsc's output of these (dist/app, dist/evidence/github) is imported, not bundled: Octokit and Probot. */
const NOT_BUNDLED = /^\.\.\/(app\/[\w-]+|evidence\/github\/cli)\.js$/;

/** Bare imports stay external unless their package is in INLINED. */
const externals = {
  name: "externals",
  setup(b) {
    b.onResolve({ filter: NOT_BUNDLED }, (args) =>
      args.importer.endsWith(join("src", "cli", "main.ts")) ? { path: args.path, external: true } : undefined,
    );
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

// A cache of the previous bundle must never sit beside the new one (load-cli.js also checks), nor the ES
// module bundle and chunks of earlier builds. tsc writes the rest of dist/cli.
for (const old of ["readiness.cjs.cache", "readiness.mjs", "readiness.mjs.map", "chunks"])
  rmSync(join(OUT, old), { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: ["src/cli/main.ts"],
  outfile: BUNDLE,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // version() reads package.json relative to the module.
  define: { "import.meta.url": "__readinessUrl" },
  banner: { js: 'const __readinessUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [externals, englishOnly],
  legalComments: "none",
  sourcemap: "linked",
  logLevel: "warning",
  charset: "ascii",
});
// esbuild escapes strings and identifiers but keeps comments as written (zod's hold a dash or two). Escaped
// there too, the bundle is ASCII: V8 keeps it as a one-byte string (half the memory of a two-byte one) and
// load-cli.js decodes it without a UTF-8 pass.
writeFileSync(
  BUNDLE,
  readFileSync(BUNDLE, "utf8").replace(
    /[^\0-\x7f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  ),
);

// The code cache: the bundle run on a small checkout (policy, git, every report format), then what V8
// compiled written beside it. In a process of its own, started as bin/readiness.js is, so the V8 flags match.
const work = mkdtempSync(join(tmpdir(), "readiness-warm-"));
try {
  const files = {
    ".readiness.yml": [
      "version: 1",
      "checks:",
      '  readme: { file: { path: README.md, contains: "^#" } }',
      "  fresh: { file: { path: README.md, maxAgeDays: 30 } }",
      '  docs: { file: { path: "docs/**/*.md", maxAgeDays: 365 } }',
      '  license: { file: { path: "{LICENSE,COPYING}" } }',
      "",
    ].join("\n"),
    "README.md": "# Warm-up\n",
    "docs/guide.md": "# Guide\n",
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  const git = (...args) => execFileSync("git", args, { cwd: work, stdio: "ignore" });
  try {
    git("init", "-q");
    git("add", ".");
    git("-c", "user.name=build", "-c", "user.email=build@localhost", "commit", "-q", "-m", "warm-up");
  } catch {
    // without git the run walks the directory: the cache then lacks the git paths, which still work
  }
  const warm = `
    import { Writable } from "node:stream";
    import { loadCli } from ${JSON.stringify(join(ROOT, "bin/load-cli.js"))};
    const cli = loadCli();
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const io = { stdout: sink, stderr: sink, env: {}, cwd: ${JSON.stringify(work)} };
    for (const format of ["json", "text", "markdown", "github", "sarif"])
      await cli.main(["check", "--format", format, "--now", "2026-01-01"], io);
    await cli.main(["validate"], io);
    cli.writeCache();
  `;
  execFileSync(process.execPath, ["--input-type=module", "-e", warm], { cwd: work, stdio: "inherit" });
} finally {
  rmSync(work, { recursive: true, force: true });
}

// The real executable: bin/readiness.js on the bundle in dist/cli (scripts/bundle-cli.mjs), in a child process.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonReportSchema } from "../report/json-contract.js";
import { cleanup, POLICY, README, repo, tempDir } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const built = join(root, "dist/cli/readiness.cjs");

function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(root, "src"));
  return newest;
}

beforeAll(() => {
  // Bundle when the bundle is missing or older than the sources (what `npm run build` does first; esbuild
  // does not type-check, so type errors elsewhere in the tree do not stop it).
  if (!existsSync(built) || statSync(built).mtimeMs < newestSource()) {
    execFileSync(process.execPath, [join(root, "scripts/bundle-cli.mjs")], { cwd: root, stdio: "pipe" });
  }
  expect(existsSync(built)).toBe(true);
}, 180_000);

afterAll(cleanup);

function run(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "bin/readiness.js"), ...args],
      { cwd, env: { PATH: process.env.PATH, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("bin/readiness.js", () => {
  it("evaluates a checkout and sets the exit code", async () => {
    const dir = repo(
      { "README.md": README, "docs/runbook.md": "# Runbook\n", ".readiness.yml": POLICY },
      "2025-03-01T00:00:00Z",
    );
    const go = await run(["check", "--format", "json", "--now", "2025-03-02"], dir);
    expect(go.stderr).toBe("");
    expect(go.code).toBe(0);
    expect(JsonReportSchema.parse(JSON.parse(go.stdout)).verdict).toBe("go");

    const noGo = await run(["check", "--now", "2026-03-02"], dir, { NO_COLOR: "1" });
    expect(noGo.code).toBe(1);
    expect(noGo.stdout.startsWith("NO-GO")).toBe(true);

    const usage = await run(["check", "--now", "someday"], dir);
    expect(usage.code).toBe(2);
    expect(usage.stderr.split("\n")[0]).toBe(
      "readiness: --now must be an ISO-8601 date or time (2025-03-01, 2025-03-01T12:00:00Z), not 'someday'",
    );
  });
});

describe("the bundle", () => {
  it("holds no GitHub client or App: --repo and reconcile import tsc's modules when a run asks", () => {
    const bundle = readFileSync(built, "utf8");
    // esbuild names each inlined file in a comment.
    expect(bundle).toContain("node_modules/zod/");
    expect(bundle).toContain("node_modules/yaml/");
    expect(bundle).not.toMatch(/node_modules\/(@octokit|probot|pino|prom-client)\//);
    expect(bundle).not.toMatch(/require\("(@octokit\/|probot|pino|prom-client|pg)/);
    expect(bundle).toContain('"../evidence/github/cli.js"');
    expect(bundle).toContain('"../app/reconcile-cli.js"');
  });

  /** Runs bin/load-cli.js on `bundle` in a process of its own: whether V8 took the cache, and `help`'s text. */
  const load = (bundle: string): { cached: boolean; help: string } => {
    const script = `
      import { loadCli } from ${JSON.stringify(join(root, "bin/load-cli.js"))};
      const cli = loadCli(${JSON.stringify(bundle)});
      let help = "";
      await cli.main(["--help"], { stdout: { write: (s) => { help += s; } }, stderr: process.stderr, env: {}, cwd: "/" });
      process.stdout.write(JSON.stringify({ cached: cli.cached, help }));`;
    return JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }),
    );
  };

  it("starts from the code cache the build wrote, and never from one made for other code", () => {
    const own = load(built);
    expect(own.cached).toBe(true);
    expect(own.help).toContain("Usage:");

    // The same length, other text: V8 alone would take the cache (it checks the source's length) and run
    // the old code. The cache holds the text it was made from, so the new text is compiled and runs.
    const dir = tempDir();
    const copy = join(dir, "readiness.cjs");
    const changed = readFileSync(built, "utf8").replace("Usage:", "USAGE:");
    expect(changed.length).toBe(readFileSync(built, "utf8").length);
    writeFileSync(copy, changed);
    copyFileSync(`${built}.cache`, `${copy}.cache`);
    const other = load(copy);
    expect(other.cached).toBe(false);
    expect(other.help).toContain("USAGE:");
  });

  it("runs the commands a local check does not use: validate and schema", async () => {
    const dir = repo({ "README.md": README, ".readiness.yml": POLICY }, "2025-03-01T00:00:00Z");
    const valid = await run(["validate"], dir);
    expect(valid.stderr).toBe("");
    expect(valid.code).toBe(0);
    const schema = await run(["schema"], dir);
    expect(schema.code).toBe(0);
    expect(JSON.parse(schema.stdout).$schema).toContain("json-schema.org");
  });
});

describe("a reader that stops early", () => {
  it("`readiness check | true`: no stack trace; the verdict's code, or SIGPIPE's 141 when the write failed", () => {
    const dir = repo({ ".readiness.yml": POLICY, "README.md": README });
    const script = `node ${JSON.stringify(join(root, "bin/readiness.js"))} check --format json | true; echo "exit=\${PIPESTATUS[0]}"`;
    const r = spawnSync("bash", ["-c", script], { cwd: dir, encoding: "utf8" });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toMatch(/^exit=(0|1|141)$/m);
  });
});

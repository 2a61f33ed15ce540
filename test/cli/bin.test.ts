// The real executable: bin/readiness.js on the bundle in dist/cli (scripts/bundle-cli.mjs), in a child process.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonReportSchema } from "../report/json-contract.js";
import { cleanup, POLICY, README, repo } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const built = join(root, "dist/cli/readiness.mjs");

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
  /** Files a module loads before it runs: its static imports of other bundle files, transitively. */
  const staticGraph = (file: string, seen = new Set<string>()): Set<string> => {
    seen.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(
      /^(?:import|export)\b[^;]*?\bfrom\s*"(\.[^"]+)"|^import\s*"(\.[^"]+)"/gm,
    )) {
      const next = join(dirname(file), (m[1] ?? m[2])!);
      if (!seen.has(next)) staticGraph(next, seen);
    }
    return seen;
  };

  it("loads no GitHub client, App, policy or engine code before a run asks for it", () => {
    const eager = [...staticGraph(built)].map((f) => readFileSync(f, "utf8")).join("\n");
    expect(eager).not.toMatch(/from\s*"(@octokit\/|probot|pino|prom-client)/);
    // zod, yaml and re2js come with the policy, engine and reports: a dynamic import, started after git.
    // (esbuild names each inlined file in a comment.)
    const chunks = join(dirname(built), "chunks");
    const all = readdirSync(chunks).filter((f) => f.endsWith(".mjs"));
    expect(all.some((f) => readFileSync(join(chunks, f), "utf8").includes("node_modules/zod/"))).toBe(true);
    expect(eager).not.toContain("node_modules/zod/");
    expect(eager).not.toContain("node_modules/yaml/");
    expect(eager).toMatch(/import\("\.\/chunks\/pipeline-[\w-]+\.mjs"\)/);
  });

  it("runs the commands that load other chunks: validate and schema", async () => {
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

// The real executable: bin/readiness.js on the built dist/, in a child process.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonReportSchema } from "../report/json-contract.js";
import { cleanup, POLICY, README, repo } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const built = join(root, "dist/cli/main.js");

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
  // Build when dist is missing or older than the sources. tsc emits even when some other part of the tree
  // has type errors, so the exit code is not the verdict: the emitted entry point is.
  if (!existsSync(built) || statSync(built).mtimeMs < newestSource()) {
    try {
      execFileSync(
        process.execPath,
        [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
        {
          cwd: root,
          stdio: "pipe",
        },
      );
    } catch {
      // judged below
    }
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

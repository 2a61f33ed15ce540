// action.yml, run as the runner would: its YAML parsed, each shell step executed with bash -eo pipefail,
// `${{ inputs.* }}` and `${{ github.* }}` substituted, a fake GITHUB_STEP_SUMMARY and GITHUB_OUTPUT, and the
// workflow commands it prints parsed back. The action path is this repository (built as its install step
// would, which is skipped when dist/ exists).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cleanup, README, repo, tempDir } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const built = join(root, "dist/cli/readiness.cjs");

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  "working-directory"?: string;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default?: string; description: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}
const action = parse(readFileSync(join(root, "action.yml"), "utf8")) as Action;

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
  if (!existsSync(built) || statSync(built).mtimeMs < newestSource())
    execFileSync(process.execPath, [join(root, "scripts/bundle-cli.mjs")], { cwd: root, stdio: "pipe" });
}, 180_000);
afterAll(cleanup);

interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
}

/** Runs the composite action's shell steps in order, stopping at the first that fails, as the runner does. */
function runAction(workspace: string, given: Record<string, string>): ActionRun {
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.inputs)) inputs[k] = given[k] ?? v.default ?? "";
  const temp = tempDir();
  const summaryFile = join(temp, "summary.md");
  const outputFile = join(temp, "output");
  writeFileSync(summaryFile, "");
  writeFileSync(outputFile, "");
  const github: Record<string, string> = { action_path: root, workspace };
  const expand = (s: string) =>
    s.replace(/\$\{\{\s*(inputs|github)\.([\w-]+)\s*\}\}/g, (_, scope: string, key: string) => {
      const value = scope === "inputs" ? inputs[key] : github[key];
      if (value === undefined) throw new Error(`action.yml uses an unknown expression: ${scope}.${key}`);
      return value;
    });
  let stdout = "";
  let stderr = "";
  for (const step of action.runs.steps) {
    if (step.uses) continue; // actions/setup-node: the Node running this test stands for it
    expect(step.shell).toBe("bash");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GITHUB_ACTIONS: "true",
      GITHUB_ACTION_PATH: root,
      GITHUB_WORKSPACE: workspace,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_OUTPUT: outputFile,
      RUNNER_TEMP: temp,
    };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = expand(v);
    const script = join(temp, `step-${step.id ?? "x"}.sh`);
    writeFileSync(script, expand(step.run!));
    // What the runner runs for `shell: bash`.
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
      cwd: expand(step["working-directory"] ?? workspace),
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    stdout += r.stdout;
    stderr += r.stderr;
    if (r.status !== 0) return { code: r.status ?? 1, stdout, stderr, ...read(summaryFile, outputFile) };
  }
  return { code: 0, stdout, stderr, ...read(summaryFile, outputFile) };
}

function read(summaryFile: string, outputFile: string): { summary: string; outputs: Record<string, string> } {
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(outputFile, "utf8").split("\n").filter(Boolean)) {
    const i = line.indexOf("=");
    outputs[line.slice(0, i)] = line.slice(i + 1);
  }
  return { summary: readFileSync(summaryFile, "utf8"), outputs };
}

/** ::name k=v,k=v::message, unescaped as the runner does. */
function commands(stdout: string): { name: string; props: Record<string, string>; message: string }[] {
  const unData = (s: string) => s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
  return stdout.split("\n").flatMap((line) => {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) return [];
    const props: Record<string, string> = {};
    for (const kv of (m[2] ?? "").split(",").filter(Boolean)) {
      const i = kv.indexOf("=");
      props[kv.slice(0, i)] = unData(
        kv
          .slice(i + 1)
          .replace(/%3A/g, ":")
          .replace(/%2C/g, ","),
      );
    }
    return [{ name: m[1]!, props, message: unData(m[3]!) }];
  });
}

const POLICY = (mode: string) => `version: 1
gate: { minScore: 80, mode: ${mode} }
checks:
  readme: { required: true, file: { path: README.md } }
  no-debug:
    title: No debug flags in config
    required: true
    file: { path: "config/*.ini", notContains: "debug = true", allowNone: true }
`;
const noGo = (mode = "block") =>
  repo({ ".readiness.yml": POLICY(mode), "README.md": README, "config/app.ini": "[app]\ndebug = true\n" });

describe("action.yml", () => {
  it("declares the inputs and a composite run on setup-node", () => {
    expect(Object.keys(action.inputs)).toEqual(
      expect.arrayContaining(["policy", "format", "fail-on", "sarif-file", "directory"]),
    );
    expect(action.inputs["fail-on"]?.default).toBe("no-go");
    expect(action.runs.using).toBe("composite");
    expect(action.runs.steps[0]?.uses).toMatch(/^actions\/setup-node@v\d+$/);
    expect(Object.keys(action.outputs)).toEqual(["verdict", "score", "exit-code"]);
  });

  it("on NO-GO: fails the step, writes the summary, annotates the file and line, sets the outputs and SARIF", async () => {
    const dir = noGo();
    const r = runAction(dir, { "sarif-file": "reports/ci/readiness.sarif" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(r.summary).toMatch(/NO-GO/);
    expect(r.summary).toMatch(/No debug flags in config/);
    expect(r.outputs).toMatchObject({ verdict: "no-go", "exit-code": "1" });
    expect(r.outputs.score).toMatch(/^\d+\.\d$/);
    const error = commands(r.stdout).find((c) => c.name === "error");
    expect(error?.props).toEqual({
      file: "config/app.ini",
      line: "2",
      title: "No debug flags in config (no-debug): fail",
    });
    // The text report is in the log too (format: text).
    expect(r.stdout).toMatch(/^NO-GO/m);
    const sarif = JSON.parse(readFileSync(join(dir, "reports/ci/readiness.sarif"), "utf8"));
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0].results[0].ruleId).toBe("no-debug");
  });

  it("fail-on: never reports without failing; GO passes; warn mode never fails", async () => {
    const never = runAction(noGo(), { "fail-on": "never" });
    expect([never.code, never.outputs.verdict]).toEqual([0, "no-go"]);
    expect(commands(never.stdout).some((c) => c.name === "error")).toBe(true);

    const go = runAction(repo({ ".readiness.yml": POLICY("block"), "README.md": README }), {});
    expect([go.code, go.outputs.verdict]).toEqual([0, "go"]);
    expect(go.summary).toMatch(/\bGO\b/);

    const warn = runAction(noGo("warn"), { "fail-on": "pending" });
    expect([warn.code, warn.outputs.verdict, warn.outputs["exit-code"]]).toEqual([0, "no-go", "0"]);
  });

  it("refuses a fail-on it does not know, and fails on an invalid policy with its location", async () => {
    const bad = runAction(noGo(), { "fail-on": "sometimes" });
    expect(bad.code).toBe(2);
    expect(commands(bad.stdout)[0]?.message).toMatch(/fail-on must be no-go, pending or never/);

    const invalid = repo({ ".readiness.yml": "version: 1\nchecks:\n  a: { file: { path: 3 } }\n" });
    const r = runAction(invalid, {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\.readiness\.yml:3:\d+: /m);
    expect(commands(r.stdout).map((c) => c.name)).toEqual(["error"]);
  });
});

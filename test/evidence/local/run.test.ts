// End to end on a real checkout: policy → needs → LocalEvidence → evaluate → report.
import { utimesSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEvaluation } from "../../../src/engine/run.js";
import type { Report } from "../../../src/engine/types.js";
import { LocalEvidence, localTarget } from "../../../src/evidence/local/provider.js";
import type { Need } from "../../../src/evidence/types.js";
import { policySchema } from "../../../src/policy/schema.js";
import { cleanup, commit, git, initRepo, write } from "./repo.js";

const NOW = new Date("2024-06-01T12:00:00Z");

const policy = policySchema().parse({
  version: 1,
  gate: { minScore: 50 },
  checks: {
    readme: { required: true, file: { path: "README.md", contains: "(?m)^## Quickstart" } },
    license: { file: { path: "LICENSE", contains: "MIT", minBytes: 5 } },
    "runbook-fresh": { file: { path: "docs/runbook.md", maxAgeDays: 90 } },
    "slo-fresh": { file: { path: "docs/slo.md", maxAgeDays: 365 } },
    "notes-committed": { file: { path: "NOTES.md", maxAgeDays: 30 } },
    "no-build-output": { file: { path: "dist/**" } },
    workflows: { file: { path: ".github/workflows/*.yml" } },
    ci: { workflow: { file: "ci.yml" } },
  },
});

let dir: string;
let report: Report;
let needs: Need[][];

beforeAll(async () => {
  dir = initRepo();
  commit(dir, "2023-01-10T09:00:00Z", {
    ".gitignore": "dist/\n",
    "README.md": "# Service\n\n## Quickstart\n\nnpm start\n",
    LICENSE: "MIT License\n",
    "docs/runbook.md": "# Runbook\n",
    ".github/workflows/ci.yml": "on: push\n",
  });
  commit(dir, "2024-04-20T09:00:00Z", { "docs/slo.md": "99.9%\n" });
  write(dir, "dist/app.js", "built\n");
  write(dir, "NOTES.md", "untracked\n");
  const now = new Date();
  utimesSync(join(dir, "docs/runbook.md"), now, now); // a fresh mtime must not make it fresh

  const seen: Need[][] = [];
  const local = new LocalEvidence(dir);
  const provider = {
    name: local.name,
    collect: (n: Need[], t: Parameters<LocalEvidence["collect"]>[1]) => {
      seen.push(n);
      return local.collect(n, t);
    },
  };
  report = await runEvaluation({ policy, provider, target: await localTarget(dir), now: NOW });
  needs = seen;
});

afterAll(cleanup);

const check = (id: string) => report.checks.find((c) => c.id === id)!;

describe("runEvaluation on a local checkout", () => {
  it("names the commit it evaluated", () => {
    expect(report.target).toEqual({
      context: "local",
      sha: git(dir, ["rev-parse", "HEAD"]).trim(),
      ref: "main",
    });
  });

  it("passes what is there and fails what the checkout shows is wrong", () => {
    expect(check("readme").status).toBe("pass");
    expect(check("license").status).toBe("pass");
    expect(check("workflows").status).toBe("pass");
    expect(check("slo-fresh").status).toBe("pass");
    // Last committed 2023-01-10, 508 days before NOW, whatever the file's mtime says.
    expect(check("runbook-fresh").status).toBe("fail");
    expect(check("runbook-fresh").summary).toContain("docs/runbook.md");
    expect(check("runbook-fresh").summary).toMatch(/days ago/);
    // Untracked: present, but never committed.
    expect(check("notes-committed").status).toBe("fail");
    expect(check("notes-committed").summary).toMatch(/not in any commit/);
    // Ignored by .gitignore: not part of what is evaluated.
    expect(check("no-build-output").status).toBe("fail");
  });

  it("does not pass a check only GitHub can answer", () => {
    expect(["unknown", "skipped"]).toContain(check("ci").status);
    expect(check("ci").credit).toBe(0);
  });

  it("collects in two rounds, asking for history once", () => {
    expect(needs).toHaveLength(2);
    expect(needs[0]!.some((n) => n.type === "files")).toBe(true);
    const ages = needs[1]!.filter((n) => n.type === "lastChanged").map((n) => (n as { path: string }).path);
    expect(ages.sort()).toEqual(["NOTES.md", "docs/runbook.md", "docs/slo.md"]);
    expect(report.verdict).toBe("no-go");
  });
});

// What `readiness init` drafts from a checkout's paths and workflows (src/policy/starter.ts): every draft loads
// strictly, whatever combination of findings, and workflows are classified by their triggers and steps.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { formatPolicyError, loadPolicy } from "../../src/policy/load.js";
import { detect, draftPolicy, readWorkflow } from "../../src/policy/starter.js";

const wf = (file: string, text: string) => readWorkflow(`.github/workflows/${file}`, text);

describe("readWorkflow", () => {
  it("reads name, events, tag-only pushes, job names and steps", () => {
    const w = wf(
      "release.yml",
      "name: Release\non:\n  push:\n    tags: ['v*']\njobs:\n  build:\n    name: Build dists\n    steps:\n      - uses: anchore/sbom-action@v0\n      - run: cosign sign-blob x\n",
    );
    expect(w).toMatchObject({ name: "Release", events: ["push"], tagsOnly: true, jobs: ["Build dists"] });
    expect(w.steps).toMatch(/anchore\/sbom-action/);
  });

  it("keeps a file that is not YAML as broken, and never throws", () => {
    expect(wf("x.yml", "on: [push\njobs: {").broken).toBe(true);
    expect(wf("y.yml", "- just\n- a list\n").broken).toBe(true);
  });
});

describe("detect", () => {
  const ci = wf("build.yml", "name: Build\non: [push, pull_request]\njobs:\n  test: {}\n");
  const notes = wf(
    "check_release_notes.yml",
    "name: Check release notes\non: pull_request\njobs:\n  c: {}\n",
  );
  const codeql = wf("codeql.yml", "name: CodeQL\non: [push, pull_request]\njobs:\n  a: {}\n");
  const publish = wf(
    "publish.yml",
    "on:\n  release:\n    types: [published]\njobs:\n  p:\n    steps:\n      - run: npm publish\n",
  );

  it("takes the workflow that builds on changes as CI, and a release-triggered one as the release", () => {
    const f = detect(["README.md"], [codeql, notes, ci, publish]);
    expect(f.ci?.file).toBe("build.yml");
    expect(f.release?.file).toBe("publish.yml");
    // A pull-request check about release notes is neither; CodeQL is analysis, not CI.
    expect(f.otherCi).toEqual([]);
  });

  it("finds files only where GitHub reads them, and service hints outside examples and UI code", () => {
    const f = detect(
      [
        "docs/README.md",
        "COPYING",
        "lib/CODEOWNERS",
        "docs/security.md",
        "web/ui/src/pages/alerts/Alerts.tsx",
        "examples/helm/Chart.yaml",
        "package.json",
        "yarn.lock",
      ],
      [],
    );
    expect(f).toMatchObject({
      readme: "docs/README.md",
      license: "COPYING",
      codeownersIgnored: ["lib/CODEOWNERS"],
      securityElsewhere: "docs/security.md",
      deployment: [],
      operations: [],
      lockfiles: ["yarn.lock"],
      unlocked: [],
    });
    expect(f.codeowners).toBeUndefined();
    expect(f.security).toBeUndefined();
    expect(detect(["ops/runbook.md"], []).operations).toEqual(["ops/runbook.md"]);
  });
});

describe("draftPolicy", () => {
  const variants = [
    { paths: [], workflows: [] },
    { paths: ["README.md", "History.md", "Dockerfile", "docs/a.md", "go.mod", "go.sum"], workflows: [] },
    {
      paths: ["k8s/deploy.yaml", "CHANGELOG.md"],
      workflows: [
        wf("tests.yml", "name: 'Tests: unit, e2e'\non: pull_request\njobs: { t: {} }\n"),
        wf("rel.yml", "on: { push: { tags: ['*'] } }\njobs: { r: { steps: [ { run: goreleaser } ] } }\n"),
      ],
    },
  ];

  it.each(variants.map((v, i) => [i, v] as const))("variant %i loads strictly, as written", async (_, v) => {
    const text = draftPolicy(detect(v.paths, v.workflows), "2026-01-01");
    const r = await loadPolicy(text, ".readiness.yml", { now: new Date("2100-01-01"), strict: true });
    expect(r.ok ? [] : r.errors.map(formatPolicyError)).toEqual([]);
    expect(r.ok && r.warnings).toEqual([]);
  });

  it("quotes what it copies from the repository, so a name cannot change the YAML", () => {
    const text = draftPolicy(detect([], [variants[2]!.workflows[0]!]), "2026-01-01");
    expect(parse(text).checks.ci.title).toBe("CI (Tests: unit, e2e) passes on this commit");
  });
});

describe("names from the repository", () => {
  it("cannot break out of a comment: a newline in a workflow name stays on its line", async () => {
    const w = wf(
      "build.yml",
      'name: "Build\\nchecks:\\n  evil: { file: { path: x } }"\non: push\njobs: { b: {} }\n',
    );
    const text = draftPolicy(detect([], [w]), "2026-01-01");
    const r = await loadPolicy(text, ".readiness.yml", { strict: true });
    expect(r.ok && Object.keys(r.policy.checks)).not.toContain("evil");
    expect(r.ok).toBe(true);
  });

  it("a workflow nested too deep for the parser is broken, not a crash", () => {
    expect(wf("deep.yml", `${"[".repeat(20000)}${"]".repeat(20000)}`).broken).toBe(true);
  });
});

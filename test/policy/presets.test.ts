import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FileIndex } from "../../src/evidence/file-index.js";
import { formatPolicyError, type LoadResult, loadPolicy } from "../../src/policy/load.js";
import { PRESET_NAMES, presetText } from "../../src/policy/presets/index.js";
import type { Policy } from "../../src/policy/schema.js";
import { kindNameOf } from "../../src/policy/schema.js";

const root = new URL("../../", import.meta.url);

function policyOf(r: LoadResult): Policy {
  if (!r.ok) throw new Error(r.errors.map(formatPolicyError).join("\n"));
  return r.policy;
}

const load = async (...presets: string[]) =>
  loadPolicy(`version: 1\nextends: [${presets.join(", ")}]\n`, ".readiness.yml");

describe("presets", () => {
  it("are the three documented ones", () => {
    expect(PRESET_NAMES).toEqual(["readiness:baseline", "readiness:service", "readiness:supply-chain"]);
  });

  it.each(PRESET_NAMES)("%s loads on its own, without warnings", async (name) => {
    const r = await load(name);
    expect(r.ok ? r.warnings.map(formatPolicyError) : r.errors.map(formatPolicyError)).toEqual([]);
  });

  it.each(PRESET_NAMES)(
    "%s: every check has a title, a declared category and a one-line fix",
    async (name) => {
      const p = policyOf(await load(name));
      expect(Object.keys(p.checks).length).toBeGreaterThan(0);
      for (const [id, check] of Object.entries(p.checks)) {
        expect(check.title, id).toMatch(/\S/);
        expect(Object.keys(p.categories), id).toContain(check.category);
        expect(check.fix, id).toMatch(/^[^\n]+$/);
      }
      for (const category of Object.values(p.categories)) expect(category.title).toMatch(/\S/);
    },
  );

  it.each(PRESET_NAMES)(
    "%s: one item per check (a single path or asset glob, never a list)",
    async (name) => {
      const p = policyOf(await load(name));
      for (const [id, check] of Object.entries(p.checks)) {
        if (check.file) expect(typeof check.file.path, id).toBe("string");
        if (check.release) expect(typeof check.release.assets, id).toBe("string");
      }
    },
  );

  it("service extends baseline; supply-chain stands alone so it combines with either", async () => {
    const baseline = Object.keys(policyOf(await load("readiness:baseline")).checks);
    const service = Object.keys(policyOf(await load("readiness:service")).checks);
    const supply = Object.keys(policyOf(await load("readiness:supply-chain")).checks);
    expect(service.slice(0, baseline.length)).toEqual(baseline);
    expect(service.slice(baseline.length)).toEqual([
      "runbook",
      "slo",
      "alerting",
      "dashboards",
      "restore-drill",
      "threat-model",
    ]);
    expect(supply).toEqual([
      "sbom",
      "signed-release",
      "provenance",
      "vulnerabilities",
      "secrets",
      "branch-rules",
    ]);
    const all = policyOf(await load("readiness:service", "readiness:supply-chain"));
    expect(Object.keys(all.checks)).toEqual([...service, ...supply]);
  });

  it("categories shared by presets are declared alike, so combining them changes nothing", async () => {
    const baseline = policyOf(await load("readiness:baseline"));
    const supply = policyOf(await load("readiness:supply-chain"));
    expect(supply.categories.security).toEqual(baseline.categories.security);
  });

  it("the recurring checks have the kinds and limits the checklists ask for", async () => {
    const p = policyOf(await load("readiness:service", "readiness:supply-chain"));
    const kinds = Object.fromEntries(Object.entries(p.checks).map(([id, c]) => [id, kindNameOf(c)]));
    expect(kinds).toMatchObject({
      ci: "workflow",
      "restore-drill": "workflow",
      sbom: "release",
      "signed-release": "release",
      provenance: "release",
      vulnerabilities: "alerts",
      secrets: "alerts",
      "branch-rules": "branch",
    });
    expect(p.checks.runbook?.file?.maxAgeDays).toBe(180);
    expect(p.checks["threat-model"]?.file?.maxAgeDays).toBe(365);
    expect(p.checks.vulnerabilities?.alerts).toEqual({
      sources: ["dependabot", "code-scanning"],
      maxSeverity: "medium",
    });
    expect(p.checks.secrets?.alerts?.sources).toEqual(["secret-scanning"]);
    expect(p.checks["branch-rules"]?.branch?.requiresChecks).toEqual([p.gate.checkName]);
  });

  it("preset texts are plain YAML documents", () => {
    for (const name of PRESET_NAMES) expect(presetText(name)).toMatch(/^# [\s\S]*\nversion: 1\n/);
    expect(presetText("readiness:nope")).toBeUndefined();
  });
});

describe("preset globs match common layouts", () => {
  const cases: Record<string, { yes: string[]; no: string[] }> = {
    readme: {
      yes: ["README.md", "readme", "README.rst", ".github/README.md", "docs/README.md"],
      no: ["src/README.md", "README.md.bak"],
    },
    license: {
      yes: ["LICENSE", "LICENSE.md", "LICENCE.txt", "LICENSE-MIT", "COPYING"],
      no: ["docs/LICENSE"],
    },
    changelog: {
      yes: ["CHANGELOG.md", "docs/CHANGELOG.md", "NEWS", "changelog.md"],
      no: ["src/CHANGELOG.md"],
    },
    "security-policy": {
      yes: ["SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md"],
      no: ["src/SECURITY.md", "SECURITY.txt", "SECURITY"],
    },
    codeowners: {
      yes: ["CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"],
      no: ["CODEOWNERS.md", "vendor/github.com/Microsoft/go-winio/CODEOWNERS", "src/CODEOWNERS"],
    },
    "dependency-updates": {
      yes: [
        ".github/dependabot.yml",
        ".github/dependabot.yaml",
        "renovate.json",
        ".github/renovate.json5",
        ".renovaterc",
      ],
      no: ["dependabot.yml", "docs/renovate.json"],
    },
    runbook: {
      yes: [
        "RUNBOOK.md",
        "docs/runbook.md",
        "docs/ops/runbook-database.md",
        "runbooks/deploy.md",
        "docs/runbooks/a/b.md",
      ],
      no: ["docs/readme.md", "ansible/playbook.yml"],
    },
    slo: {
      yes: [
        "docs/SLO.md",
        "slo.yaml",
        "slos/api.yaml",
        "deploy/api-slo.yaml",
        "observability/checkout.openslo.yaml",
      ],
      no: ["docs/slow-queries.md", "sloth.yml"],
    },
    alerting: {
      yes: [
        "prometheus/alerts.yml",
        "monitoring/alerting/api.yaml",
        "deploy/prometheus/node.rules.yml",
        "monitors/alert_cpu.tf",
      ],
      no: ["docs/alerts.md", "prometheus/prometheus.yml"],
    },
    dashboards: {
      yes: ["grafana/dashboards/api.json", "dashboards/overview.json", "ops/service-dashboard.jsonnet"],
      no: ["docs/dashboard.md", "src/board.json"],
    },
    "threat-model": {
      yes: [
        "docs/THREAT_MODEL.md",
        "THREAT-MODEL.md",
        "docs/security/threat-model-2025.md",
        "threat-models/api.md",
      ],
      no: ["docs/threats.md"],
    },
  };

  it.each(Object.entries(cases))("%s", async (id, { yes, no }) => {
    const p = policyOf(await load("readiness:service"));
    const glob = p.checks[id]?.file?.path;
    expect(typeof glob).toBe("string");
    const files = new FileIndex([...yes, ...no].map((path) => ({ path })));
    expect(files.match(glob as string)).toEqual([...yes].sort());
  });

  const assets: Record<string, { yes: string[]; no: string[] }> = {
    sbom: {
      yes: ["app.spdx.json", "app.cdx.json", "sbom.json", "app-sbom.spdx", "bom.xml"],
      no: ["app.tar.gz"],
    },
    "signed-release": {
      yes: ["app.tar.gz.sig", "app.tar.gz.asc", "app.sigstore.json", "checksums.txt.minisig"],
      no: ["app.tar.gz", "checksums.txt"],
    },
    provenance: { yes: ["multiple.intoto.jsonl", "app.provenance.json"], no: ["app.json"] },
  };

  it.each(Object.entries(assets))("release asset %s", async (id, { yes, no }) => {
    const p = policyOf(await load("readiness:supply-chain"));
    const glob = p.checks[id]?.release?.assets;
    const names = new FileIndex([...yes, ...no].map((path) => ({ path })));
    expect(names.match(glob as string)).toEqual([...yes].sort());
  });
});

describe("the project's own policies load", () => {
  const files = [
    ".readiness.yml",
    ".readiness.example.yml",
    ...readdirSync(new URL("examples/", root))
      .filter((f) => f.endsWith(".yml"))
      .map((f) => `examples/${f}`),
  ];

  it.each(files)("%s", async (file) => {
    const r = await loadPolicy(readFileSync(new URL(file, root), "utf8"), file);
    expect(r.ok ? [] : r.errors.map(formatPolicyError)).toEqual([]);
  });

  // A waiver expires by design: a shipped file carrying one would fail `readiness validate --strict` one day.
  it.each(files)("%s carries no waiver, so it stays valid whatever the date", async (file) => {
    const r = await loadPolicy(readFileSync(new URL(file, root), "utf8"), file, {
      now: new Date("2100-01-01T00:00:00Z"),
      strict: true,
    });
    expect(r.ok ? r.policy.waivers : r.errors.map(formatPolicyError)).toEqual([]);
  });
});

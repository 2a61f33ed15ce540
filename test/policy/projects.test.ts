// Which projects a change touches and a project's policy made ready to be judged beside the root's.
import { describe, expect, it } from "vitest";
import { allProjects, scopePolicy, touchedProjects } from "../../src/policy/projects.js";
import { policySchema } from "../../src/policy/schema.js";

describe("projects", () => {
  const patterns = ["services/*", "libs/auth", "services/api/plugins/*"];

  it("a file belongs to every declared project containing it; '*' is one level; other paths none", () => {
    expect(
      touchedProjects(patterns, [
        "services/api/plugins/x/a.ts",
        "libs/auth/deep/b.ts",
        "libs/other/c.ts",
        "services/README.md",
        "README.md",
      ]),
    ).toEqual(["libs/auth", "services/api", "services/api/plugins/x"]);
    expect(touchedProjects(patterns, ["docs/x.md"])).toEqual([]);
  });

  it("the projects of a tree: literal ones always, glob ones holding a policy", () => {
    expect(
      allProjects(patterns, [
        "services/api/.readiness.yml",
        "services/tools/x.ts",
        "services/a/b/.readiness.yml",
      ]),
    ).toEqual(["libs/auth", "services/api"]);
  });

  it("the schema bounds projects and refuses paths that leave the root or span levels", () => {
    const parse = (projects: unknown) => policySchema().safeParse({ version: 1, projects }).success;
    expect(parse(["services/*", "libs/auth"])).toBe(true);
    for (const bad of [["/abs"], ["../up"], ["a/../b"], ["services/"], ["services/**"], []])
      expect(parse(bad)).toBe(false);
    expect(parse(Array.from({ length: 51 }, (_, i) => `p${i}`))).toBe(false);
  });

  it("scoping: ids carry the project, file and attestation paths become the repository's", () => {
    const policy = policySchema().parse({
      version: 1,
      categories: { ops: { title: "Operations" } },
      checks: {
        runbook: { category: "ops", required: true, file: { path: ["RUNBOOK.md", "docs/*.md"] } },
        drill: { attestation: { path: "drill.yml" } },
        ci: { workflow: { name: "CI" } },
      },
      waivers: [{ check: "ci", reason: "flaky runner", expires: "2030-01-01" }],
    });
    const scoped = scopePolicy(policy, "services/api");
    expect(Object.keys(scoped.checks)).toEqual([
      "services/api:runbook",
      "services/api:drill",
      "services/api:ci",
    ]);
    expect(scoped.checks["services/api:runbook"]!.file!.path).toEqual([
      "services/api/RUNBOOK.md",
      "services/api/docs/*.md",
    ]);
    expect(scoped.checks["services/api:drill"]!.attestation!.path).toBe("services/api/drill.yml");
    expect(scoped.checks["services/api:ci"]!.workflow).toEqual(policy.checks.ci!.workflow);
    expect(scoped.checks["services/api:ci"]!.category).toBe("services/api:general");
    expect(scoped.categories["services/api:ops"]!.title).toBe("Operations (services/api)");
    expect(scoped.categories["services/api:general"]!.title).toBe("General (services/api)");
    expect(scoped.waivers.map((w) => w.check)).toEqual(["services/api:ci"]);
  });
});

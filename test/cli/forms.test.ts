// The forms issue 9 adds to say what the seed documents say: all-files and negated file checks, and gate
// items (required, weight 0). Each through the CLI on a real git repository in a temp folder.
import { afterAll, describe, expect, it } from "vitest";
import { JsonReportSchema } from "../report/json-contract.js";
import { cleanup, cli, git, repo, write } from "./helpers.js";

afterAll(cleanup);

interface JsonCheck {
  id: string;
  status: string;
  summary: string;
  fix: string | null;
}

async function check(dir: string, format = "json") {
  const r = await cli(["check", "--now", "2025-01-10T00:00:00Z", "--format", format], { cwd: dir });
  if (format !== "json") return { code: r.code, text: r.stdout, report: null, byId: {} };
  const report = JSON.parse(r.stdout);
  const byId: Record<string, JsonCheck> = Object.fromEntries(
    (report.checks as JsonCheck[]).map((c) => [c.id, c]),
  );
  return { code: r.code, text: "", report, byId };
}

const PROFILES_POLICY = `version: 1
checks:
  auth-strict-everywhere:
    required: true
    file:
      path: "deploy/profiles/*.env"
      every: true
      contains: "^AUTH_POLICY=(strict|jwks)$"
      notContains: "^AUTH_POLICY=dev$"
  no-secrets-in-config:
    required: true
    file: { path: "config/**", notContains: "(?i)^\\\\s*(password|secret)\\\\s*[:=]\\\\s*\\\\S", allowNone: true }
  no-private-keys:
    required: true
    file: { path: "**/*.pem", absent: true }
`;

describe("every / notContains / absent through the CLI", () => {
  const base = {
    ".readiness.yml": PROFILES_POLICY,
    "deploy/profiles/staging.env": "AUTH_POLICY=strict\n",
    "deploy/profiles/prod.env": "AUTH_POLICY=jwks\n",
    "config/app.yaml": "port: 8080\npassword_file: /run/secrets/db\n",
  };

  it("passes a repository where every profile is strict, config holds no secret and no key is committed", async () => {
    const { code, byId, report } = await check(repo(base, "2025-01-01T00:00:00Z"));
    expect(byId["auth-strict-everywhere"]).toMatchObject({ status: "pass" });
    expect(byId["no-secrets-in-config"]).toMatchObject({ status: "pass" });
    expect(byId["no-private-keys"]).toMatchObject({ status: "pass", summary: "no file matches **/*.pem" });
    expect(report.verdict).toBe("go");
    expect(code).toBe(0);
  });

  it("a profile added later with AUTH_POLICY=dev is NO-GO, naming that file and line", async () => {
    const dir = repo(base, "2025-01-01T00:00:00Z");
    write(dir, "deploy/profiles/canary.env", "REGION=eu\nAUTH_POLICY=dev\n");
    git(dir, ["add", "-A"]);
    git(dir, ["commit", "-q", "-m", "canary"], "2025-01-02T00:00:00Z");
    const { code, byId, report } = await check(dir);
    expect(byId["auth-strict-everywhere"]!.status).toBe("fail");
    expect(byId["auth-strict-everywhere"]!.summary).toContain("deploy/profiles/canary.env");
    expect(byId["auth-strict-everywhere"]!.summary).toContain(
      "deploy/profiles/canary.env:2 contains /^AUTH_POLICY=dev$/",
    );
    expect(report.blocking).toEqual(["auth-strict-everywhere"]);
    expect(code).toBe(1);
  });

  it("a hard-coded secret in config/ and a committed key are named", async () => {
    const dir = repo(
      { ...base, "config/db.yaml": "host: db\n  Password: hunter2\n", "certs/server.pem": "-----BEGIN\n" },
      "2025-01-01T00:00:00Z",
    );
    const { byId, report } = await check(dir);
    expect(byId["no-secrets-in-config"]!.summary).toMatch(/^config\/db\.yaml:2 contains /);
    expect(byId["no-secrets-in-config"]!.fix).toContain("config/db.yaml (line 2)");
    expect(byId["no-private-keys"]!.summary).toBe("certs/server.pem exists, but no file may match **/*.pem");
    expect(report.verdict).toBe("no-go");
  });

  it("validate rejects absent with conditions and a broken notContains pattern, with their location", async () => {
    const dir = repo({
      ".readiness.yml": `version: 1
checks:
  a: { file: { path: x, absent: true, contains: y } }
  b: { file: { path: x, notContains: "(?=z)" } }
`,
    });
    const r = await cli(["validate"], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/\.readiness\.yml:3:\d+: .*absent: true/);
    expect(r.stderr + r.stdout).toMatch(/\.readiness\.yml:4:\d+: .*notContains/);
  });
});

const GATE_POLICY = `version: 1
gate:
  minScore: 100
categories:
  docs: { title: Docs }
  gates: { title: Go / No-Go }
checks:
  readme: { category: docs, file: { path: README.md } }
  rollback-plan:
    category: gates
    required: true
    weight: 0
    file: { path: docs/ROLLBACK.md }
`;

describe("gate items: required, weight 0", () => {
  it("do not change the score: a passing gate item next to a full score gives 100 and GO", async () => {
    const dir = repo({ ".readiness.yml": GATE_POLICY, "README.md": "# x\n", "docs/ROLLBACK.md": "# r\n" });
    const { code, report } = await check(dir);
    expect(report.score).toBe(100);
    expect(report.verdict).toBe("go");
    expect(report.categories.find((c: { id: string }) => c.id === "gates").score).toBeNull();
    expect(code).toBe(0);
    // The documented contract holds for a gate item's weight 0 (a new user's consumer rejected it).
    expect(JsonReportSchema.safeParse(report).error).toBeUndefined();
  });

  it("block when failing, still without touching the score, and the report calls them gate items", async () => {
    const dir = repo({ ".readiness.yml": GATE_POLICY, "README.md": "# x\n" });
    const { code, report } = await check(dir);
    expect(report.score).toBe(100);
    expect(report.verdict).toBe("no-go");
    expect(report.blocking).toEqual(["rollback-plan"]);
    expect(code).toBe(1);
    const text = (await check(dir, "text")).text;
    expect(text).toContain("gate item: required, not scored");
    expect(text).toContain("gate items only, not scored");
    const md = (await check(dir, "markdown")).text;
    expect(md).toContain("gate item (required, not scored)");
  });

  it("validate warns about weight 0 without required: it would neither score nor block", async () => {
    const dir = repo({
      ".readiness.yml": `version: 1\nchecks:\n  a: { weight: 0, file: { path: README.md } }\n`,
      "README.md": "# x\n",
    });
    const r = await cli(["validate"], { cwd: dir });
    expect(r.stderr + r.stdout).toMatch(/\.readiness\.yml:3:\d+: .*weight 0 .*required: true/);
  });
});

describe("a secret scan over a real source tree (seed fresh eyes: it stopped at 50 files)", () => {
  const POLICY = `version: 1
checks:
  no-hardcoded-secrets:
    required: true
    file: { path: "src/**/*.ts", notContains: '(?i)api[_-]?key\\s*=\\s*.[A-Za-z0-9]{16,}' }
`;
  const tree = (secretAt?: number) => {
    const files: Record<string, string> = { ".readiness.yml": POLICY };
    for (let i = 0; i < 70; i++)
      files[`src/mod${String(i).padStart(2, "0")}.ts`] = `export const n${i} = ${i};\n`;
    if (secretAt !== undefined)
      files[`src/mod${secretAt}.ts`] = `const x = 1;\nconst apiKey = "AbCdEf0123456789XyZ";\n`;
    return files;
  };

  it("a checkout reads every one of 70 files: clean passes, a key in the 66th file fails naming it", async () => {
    const clean = await check(repo(tree(), "2025-01-01T00:00:00Z"));
    expect(clean.byId["no-hardcoded-secrets"]).toMatchObject({ status: "pass" });
    expect(clean.code).toBe(0);
    const leaked = await check(repo(tree(65), "2025-01-01T00:00:00Z"));
    expect(leaked.byId["no-hardcoded-secrets"]?.status).toBe("fail");
    expect(leaked.byId["no-hardcoded-secrets"]?.summary).toContain("src/mod65.ts:2");
    expect(leaked.code).toBe(1);
  });
});

describe("a local GO beside required checks the policy leaves to GitHub (seed fresh eyes)", () => {
  it("says how many, on the verdict line, so a local GO is not read as the App's", async () => {
    const policy = `version: 1
checks:
  readme: { file: { path: README.md } }
  ci-green:
    required: true
    contexts: [pull_request, release]
    workflow: { file: ci.yml }
`;
    const dir = repo({ ".readiness.yml": policy, "README.md": "# x\n" }, "2025-01-01T00:00:00Z");
    const { code, text } = await check(dir, "text");
    expect(code).toBe(0);
    expect(text.split("\n")[0]).toBe("GO · 100.0/100 (needs 80) · 1 required check left to GitHub");
    const { report } = await check(dir);
    expect(report.checks.find((c: JsonCheck & { required: boolean }) => c.id === "ci-green")).toMatchObject({
      status: "skipped",
      required: true,
    });
  });
});

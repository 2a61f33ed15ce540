// Wrong answers of issue 9, each reproduced through the CLI on a real git repository in a temp folder.
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, cli, git, README, repo, write } from "./helpers.js";

afterAll(cleanup);

interface JsonCheck {
  id: string;
  status: string;
  summary: string;
  fix: string | null;
}

async function check(dir: string, now: string) {
  const r = await cli(["check", "--now", now, "--format", "json"], { cwd: dir });
  const report = JSON.parse(r.stdout);
  const byId = Object.fromEntries((report.checks as JsonCheck[]).map((c) => [c.id, c]));
  return { code: r.code, report, byId };
}

/** Commits `files` at `date` on top of what is there. */
function commitAt(dir: string, date: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "-m", `at ${date}`], date);
}

describe("two checks asking one file's age with different limits (issue 9, item 1)", () => {
  it("answers both: the preset's 180 days passes and the own 30 days fails with the age", async () => {
    const policy = `version: 1
extends: [readiness:service]
checks:
  runbook-monthly:
    required: true
    file: { path: docs/runbook.md, maxAgeDays: 30 }
`;
    const dir = repo({ "README.md": README, "docs/runbook.md": "# Runbook\n", ".readiness.yml": policy });
    const { byId } = await check(dir, "2025-04-03T00:00:00Z");
    expect(byId.runbook).toMatchObject({ status: "pass" });
    expect(byId.runbook!.summary).toContain("docs/runbook.md present, last changed 92 days ago (limit 180)");
    expect(byId["runbook-monthly"]).toMatchObject({
      status: "fail",
      summary: "docs/runbook.md last changed 92 days ago (limit 30)",
    });
  });

  it("answers three limits on one path and an exact need beside them", async () => {
    const policy = `version: 1
checks:
  a: { file: { path: docs/runbook.md, maxAgeDays: 10 } }
  b: { file: { path: docs/runbook.md, maxAgeDays: 100 } }
  c: { file: { path: docs/runbook.md, maxAgeDays: 1000 } }
`;
    const dir = repo({ "docs/runbook.md": "# Runbook\n", ".readiness.yml": policy });
    const { byId } = await check(dir, "2025-04-03T00:00:00Z");
    expect([byId.a!.status, byId.b!.status, byId.c!.status]).toEqual(["fail", "pass", "pass"]);
  });
});

describe("a glob with maxAgeDays: the newest matching file decides (issue 9, item 3)", () => {
  const policy = `version: 1
checks:
  docs:
    required: true
    file: { path: "docs/**/*.md", maxAgeDays: 90 }
`;
  /** 60 old files; the alphabetically first is the oldest. */
  function oldDocs(): string {
    const dir = repo({ ".readiness.yml": policy, "docs/aaa.md": "oldest\n" }, "2021-07-01T00:00:00Z");
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`docs/page-${String(i).padStart(2, "0")}.md`] = `page ${i}\n`;
    commitAt(dir, "2024-01-01T00:00:00Z", files);
    return dir;
  }

  it("passes on a fresh file past the 50th match, and names it", async () => {
    const dir = oldDocs();
    commitAt(dir, "2025-03-25T00:00:00Z", { "docs/zz/fresh.md": "new\n" });
    const { code, byId } = await check(dir, "2025-04-03T00:00:00Z");
    expect(byId.docs).toMatchObject({ status: "pass" });
    expect(byId.docs!.summary).toContain("docs/zz/fresh.md");
    expect(byId.docs!.summary).toContain("9 days ago");
    expect(code).toBe(0);
  });

  it("fails naming the newest file and its age, not the first by name", async () => {
    const dir = oldDocs();
    commitAt(dir, "2024-12-21T00:00:00Z", { "docs/zz/newest.md": "newer\n" });
    const { code, byId } = await check(dir, "2025-04-03T00:00:00Z");
    expect(byId.docs).toMatchObject({ status: "fail" });
    expect(byId.docs!.summary).toContain("docs/zz/newest.md last changed 103 days ago (limit 90)");
    expect(byId.docs!.summary).toContain("62 files matching docs/**/*.md");
    expect(byId.docs!.summary).not.toContain("aaa.md");
    expect(byId.docs!.fix).toContain("docs/zz/newest.md");
    expect(code).toBe(1);
  });
});

describe("a glob with contains: the failure says what was looked for, where (issue 9, item 4)", () => {
  it("names the pattern and how many files were searched, not an arbitrary file", async () => {
    const policy = `version: 1
checks:
  marker:
    required: true
    file: { path: "src/**/*.py", contains: "READINESS_OK" }
`;
    const dir = repo({
      ".readiness.yml": policy,
      "src/app/__init__.py": "",
      "src/app/main.py": "print('hi')\n",
      "src/lib/util.py": "x = 1\n",
    });
    const { byId } = await check(dir, "2025-01-02");
    expect(byId.marker).toMatchObject({ status: "fail" });
    expect(byId.marker!.summary).toBe(
      "none of the 3 files matching src/**/*.py qualifies: none contains /READINESS_OK/",
    );
    expect(byId.marker!.fix).toBe(
      "Add a match for /READINESS_OK/ to one of the 3 files matching src/**/*.py",
    );
    expect(byId.marker!.fix).not.toContain("__init__");
  });

  it("names the file nearest to passing: the one that contains the pattern but is too small", async () => {
    const policy = `version: 1
checks:
  adr:
    file: { path: "docs/adr/*.md", contains: "Status: accepted", minBytes: 200 }
`;
    const dir = repo({
      ".readiness.yml": policy,
      "docs/adr/001.md": `# One\n\n${"Words. ".repeat(40)}\n`,
      "docs/adr/002.md": "# Two\nStatus: accepted\n",
      "docs/adr/003.md": "# Three\n",
    });
    const { byId } = await check(dir, "2025-01-02");
    expect(byId.adr).toMatchObject({ status: "fail" });
    expect(byId.adr!.summary).toBe(
      "none of the 3 files matching docs/adr/*.md qualifies: /Status: accepted/ found in 1 of them; " +
        "nearest: docs/adr/002.md (contains /Status: accepted/) is 23 bytes (minimum 200)",
    );
    expect(byId.adr!.fix).toBe("Fill in docs/adr/002.md (at least 200 bytes)");
  });
});

describe("exit codes: 1 when the verdict is NO-GO whatever the unknowns are (issue 9, item 7)", () => {
  const ci = "ci: { title: CI green, workflow: { file: ci.yml } }";

  it("exits 1 when a required check definitely failed, though another is unknown", async () => {
    const policy = `version: 1
checks:
  readme: { required: true, file: { path: README.md } }
  ${ci}
`;
    const dir = repo({ ".readiness.yml": policy });
    const { code, report } = await check(dir, "2025-01-02");
    expect(report).toMatchObject({ verdict: "no-go", incomplete: true, conclusive: true });
    expect(code).toBe(1);
  });

  it("exits 1 when the score cannot reach minScore even if every unknown passed", async () => {
    const policy = `version: 1
gate: { minScore: 80 }
checks:
  a: { weight: 3, file: { path: A.md } }
  b: { file: { path: B.md } }
  ${ci}
`;
    const dir = repo({ ".readiness.yml": policy, "B.md": "b" });
    const { code, report } = await check(dir, "2025-01-02");
    // At best (1 + 1) / 5 = 40 < 80.
    expect(report).toMatchObject({ verdict: "no-go", incomplete: true, conclusive: true });
    expect(code).toBe(1);
  });

  it("exits 3 when the unknown could still turn the verdict", async () => {
    const policy = `version: 1
gate: { minScore: 80 }
checks:
  a: { file: { path: A.md } }
  ${ci}
`;
    const dir = repo({ ".readiness.yml": policy, "A.md": "a" });
    const { code, report } = await check(dir, "2025-01-02");
    expect(report).toMatchObject({ verdict: "no-go", incomplete: true, conclusive: false });
    expect(code).toBe(3);
  });

  it("a complete report is conclusive", async () => {
    const dir = repo({
      ".readiness.yml": "version: 1\nchecks:\n  a: { file: { path: A.md } }\n",
      "A.md": "a",
    });
    const { code, report } = await check(dir, "2025-01-02");
    expect(report).toMatchObject({ verdict: "go", incomplete: false, conclusive: true });
    expect(code).toBe(0);
  });
});

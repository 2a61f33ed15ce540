import { describe, expect, it } from "vitest";
import { compilePattern } from "../../src/checks/common.js";
import { fileKind, MAX_READS_PER_ENTRY } from "../../src/checks/file.js";
import { FileIndex } from "../../src/evidence/file-index.js";
import { type ChangeBound, type Fact, Facts, known, needKey } from "../../src/evidence/types.js";
import { check, daysAgo, evaluateWorld, localTarget, NOW, prTarget } from "./helpers.js";

describe("file: presence", () => {
  it("passes when the path is in the commit and links to it", () => {
    const r = check(fileKind, { path: "docs/runbook.md" }, { files: ["docs/runbook.md", "README.md"] });
    expect(r.status).toBe("pass");
    expect(r.credit).toBe(1);
    expect(r.summary).toBe("docs/runbook.md present");
    expect(r.evidence?.[0]?.url).toBe(`https://github.com/acme/shop/blob/${prTarget.sha}/docs/runbook.md`);
  });

  it("fails naming the missing path, with a fix", () => {
    const r = check(fileKind, { path: "docs/runbook.md" }, { files: ["README.md"] });
    expect(r.status).toBe("fail");
    expect(r.credit).toBe(0);
    expect(r.summary).toBe("docs/runbook.md is missing");
    expect(r.fix).toBe("Add docs/runbook.md");
  });

  it("gives the share of a list satisfied and names what is missing", () => {
    const r = check(
      fileKind,
      { path: ["docs/runbook.md", "docs/SLO.md", "SECURITY.md"] },
      { files: ["docs/runbook.md", "SECURITY.md"] },
    );
    expect(r.status).toBe("fail");
    expect(r.credit).toBeCloseTo(2 / 3);
    expect(r.summary).toBe("2 of 3 present; missing: docs/SLO.md");
    expect(r.fix).toBe("Add docs/SLO.md");
  });

  it("finds dot-directories with a glob (**/CODEOWNERS → .github/CODEOWNERS)", () => {
    const r = check(fileKind, { path: "**/CODEOWNERS" }, { files: [".github/CODEOWNERS", "src/index.ts"] });
    expect(r.status).toBe("pass");
    expect(r.summary).toContain(".github/CODEOWNERS");
  });

  it("says no file matches a glob when none does", () => {
    const r = check(fileKind, { path: "docs/adr/*.md" }, { files: ["docs/runbook.md"] });
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("no file matches docs/adr/*.md");
    expect(r.fix).toBe("Add a file matching docs/adr/*.md");
  });

  it("only asks for the file list when no condition needs more", () => {
    const r = check(fileKind, { path: ["a.md", "b.md"] }, { files: ["a.md", "b.md"] });
    expect(r.asked).toEqual([{ type: "files" }]);
    expect(r.summary).toBe("All 2 present");
  });
});

describe("file: fail closed", () => {
  it("is unknown, not failed, when the file list was truncated and the path is not in it", () => {
    const r = check(fileKind, { path: "docs/runbook.md" }, { files: ["README.md"], truncated: true });
    expect(r.status).toBe("unknown");
    expect(r.credit).toBe(0);
    expect(r.summary).toContain("the file list was truncated");
  });

  it("still passes a path the truncated list does show", () => {
    const r = check(fileKind, { path: "README.md" }, { files: ["README.md"], truncated: true });
    expect(r.status).toBe("pass");
  });

  it("a definite failure decides even when another entry is unknown", () => {
    const r = check(
      fileKind,
      { path: ["docs/runbook.md", "SECURITY.md", "README.md"] },
      { files: ["README.md", "docs/runbook.md"], truncated: true },
    );
    // Nothing definite fails, and SECURITY.md may hide past the truncation.
    expect(r.status).toBe("unknown");
    expect(r.credit).toBe(0);
    const r2 = check(
      fileKind,
      { path: ["docs/runbook.md", "SECURITY.md"], minBytes: 100 },
      { files: [{ path: "docs/runbook.md", size: 3 }], truncated: true },
    );
    expect(r2.status).toBe("fail");
    expect(r2.summary).toContain("docs/runbook.md is 3 bytes (minimum 100)");
    expect(r2.details).toContainEqual(expect.stringContaining("SECURITY.md exists is not known"));
  });

  it("propagates an unreadable file list with its reason", () => {
    const r = check(fileKind, { path: "README.md" }, { unknown: { files: "GitHub answered 502" } });
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("GitHub answered 502");
  });

  it("propagates unreadable content with its reason", () => {
    const r = check(
      fileKind,
      { path: "docs/runbook.md", contains: "Rollback" },
      { files: ["docs/runbook.md"], unknown: { content: "rate limited" } },
    );
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("rate limited");
  });
});

describe("file: size", () => {
  it("uses the size the index gives without reading the file", () => {
    const r = check(
      fileKind,
      { path: "docs/runbook.md", minBytes: 200 },
      { files: [{ path: "docs/runbook.md", size: 12 }] },
    );
    expect(r.asked).toEqual([{ type: "files" }]);
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("docs/runbook.md is 12 bytes (minimum 200)");
    expect(r.fix).toContain("at least 200 bytes");
  });

  it("reads the content when the index does not know the size", () => {
    const r = check(
      fileKind,
      { path: "docs/runbook.md", minBytes: 10 },
      { files: ["docs/runbook.md"], content: { "docs/runbook.md": "# Runbook\n\nStep one" } },
    );
    expect(r.asked).toContainEqual({ type: "content", path: "docs/runbook.md" });
    expect(r.status).toBe("pass");
    expect(r.summary).toBe("docs/runbook.md present, 19 bytes");
  });

  it("counts bytes, not characters", () => {
    const r = check(fileKind, { path: "a.md", minBytes: 4 }, { files: ["a.md"], content: { "a.md": "éé" } });
    expect(r.status).toBe("pass");
  });
});

describe("file: contains", () => {
  it("passes when the pattern is found, with ^ matching at line starts", () => {
    const r = check(
      fileKind,
      { path: "docs/runbook.md", contains: "^## Rollback" },
      { files: ["docs/runbook.md"], content: { "docs/runbook.md": "# Runbook\n## Rollback\nrun ./undo" } },
    );
    expect(r.status).toBe("pass");
  });

  it("fails naming the pattern when it is not found", () => {
    const r = check(
      fileKind,
      { path: "docs/runbook.md", contains: "Rollback" },
      { files: ["docs/runbook.md"], content: { "docs/runbook.md": "# Runbook" } },
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("docs/runbook.md does not contain /Rollback/");
  });

  it("finishes a catastrophic pattern on a long input with the right answer", () => {
    const text = `${"a".repeat(50_000)}b`;
    const r = check(
      fileKind,
      { path: "big.txt", contains: "(a+)+$" },
      { files: ["big.txt"], content: { "big.txt": text } },
    );
    // (a+)+$ does not match: the input ends with b. A backtracking engine would not finish.
    expect(r.status).toBe("fail");
    const r2 = check(
      fileKind,
      { path: "big.txt", contains: "(a+)+b$" },
      { files: ["big.txt"], content: { "big.txt": text } },
    );
    expect(r2.status).toBe("pass");
  });

  it("reports an invalid pattern as a failure with a clear message, without reading files", () => {
    const r = check(
      fileKind,
      { path: "docs/runbook.md", contains: "(?=lookahead)" },
      { files: ["docs/runbook.md"] },
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("invalid regular expression /(?=lookahead)/");
    expect(r.fix).toContain("RE2");
    expect(r.asked).toEqual([{ type: "files" }]);
    expect(compilePattern("(abc").ok).toBe(false);
  });

  it("a glob entry is satisfied by any one matching file", () => {
    const r = check(
      fileKind,
      { path: "docs/adr/*.md", contains: "Status: accepted" },
      {
        files: ["docs/adr/001.md", "docs/adr/002.md"],
        content: { "docs/adr/001.md": "Status: draft", "docs/adr/002.md": "Status: accepted" },
      },
    );
    expect(r.status).toBe("pass");
    expect(r.summary).toContain("docs/adr/002.md");
  });

  it("explains when no file matching a glob qualifies", () => {
    const r = check(
      fileKind,
      { path: "docs/adr/*.md", contains: "Status: accepted" },
      {
        files: ["docs/adr/001.md", "docs/adr/002.md"],
        content: { "docs/adr/001.md": "Status: draft", "docs/adr/002.md": "x" },
      },
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("none of the 2 files matching docs/adr/*.md qualifies");
  });

  it(`reads at most ${MAX_READS_PER_ENTRY} files per entry, says so, and never fails on what it did not read`, () => {
    const files = Array.from({ length: 80 }, (_, i) => `notes/${String(i).padStart(3, "0")}.md`);
    const content = Object.fromEntries(files.map((f) => [f, "draft"]));
    const r = check(fileKind, { path: "notes/*.md", contains: "approved" }, { files, content });
    expect(r.asked.filter((n) => n.type === "content")).toHaveLength(MAX_READS_PER_ENTRY);
    // One of the 30 unread files may contain it: unknown, not a false FAIL.
    expect(r.status).toBe("unknown");
    expect(r.summary).toBe(
      `none of the ${MAX_READS_PER_ENTRY} of the 80 files matching notes/*.md that were read qualifies: none contains /approved/;` +
        ` the other 30 were not read (at most ${MAX_READS_PER_ENTRY} files per entry) and one of them may qualify` +
        ` (read only the first ${MAX_READS_PER_ENTRY} of 80 files matching notes/*.md)`,
    );
  });

  it("asks the age of every match of a glob, not only the first 50, and the newest decides", () => {
    const files = Array.from({ length: 80 }, (_, i) => `notes/${String(i).padStart(3, "0")}.md`);
    const lastChanged = Object.fromEntries(files.map((f) => [f, daysAgo(400)]));
    lastChanged["notes/079.md"] = daysAgo(5);
    const r = check(fileKind, { path: "notes/*.md", maxAgeDays: 30 }, { files, lastChanged });
    expect(r.asked.filter((n) => n.type === "lastChanged")).toHaveLength(80);
    expect(r.status).toBe("pass");
    expect(r.summary).toBe("notes/079.md present, last changed 5 days ago (limit 30)");
  });
});

describe("file: maxAgeDays", () => {
  const world = (days: number) => ({
    files: ["docs/runbook.md"],
    lastChanged: { "docs/runbook.md": daysAgo(days) },
  });

  it("asks for the last change of matched paths only", () => {
    const r = check(fileKind, { path: ["docs/runbook.md", "docs/none.md"], maxAgeDays: 30 }, world(3));
    expect(r.asked).toEqual([
      { type: "files" },
      { type: "lastChanged", path: "docs/runbook.md", within: 30 },
    ]);
  });

  it("fails a stale file, naming its age and the limit", () => {
    const r = check(fileKind, { path: "docs/runbook.md", maxAgeDays: 30 }, world(45));
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("docs/runbook.md last changed 45 days ago (limit 30)");
    expect(r.fix).toContain("every 30 days");
  });

  it("passes exactly at the limit and fails just past it", () => {
    expect(check(fileKind, { path: "docs/runbook.md", maxAgeDays: 30 }, world(30)).status).toBe("pass");
    const late = check(fileKind, { path: "docs/runbook.md", maxAgeDays: 30 }, world(30.01));
    expect(late.status).toBe("fail");
    expect(late.summary).toContain("more than 30 days ago");
  });

  it("a commit dated in the future is not evidence of freshness (beyond 5 minutes of clock skew)", () => {
    const future = check(fileKind, { path: "docs/runbook.md", maxAgeDays: 30 }, world(-365));
    expect(future.status).toBe("fail");
    expect(future.summary).toContain("in the future, which is not evidence of freshness");
    expect(future.fix).toContain("correct date");
    // Four minutes ahead is a committer's clock running fast: today.
    const skewed = check(fileKind, { path: "docs/runbook.md", maxAgeDays: 30 }, world(-4 / 1440));
    expect(skewed.status).toBe("pass");
    expect(check(fileKind, { path: "docs/runbook.md", maxAgeDays: 30 }, world(-6 / 1440)).status).toBe(
      "fail",
    );
  });

  it("fails a file that was never committed", () => {
    const r = check(fileKind, { path: "docs/runbook.md", maxAgeDays: 30 }, { files: ["docs/runbook.md"] });
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("not in any commit");
  });
});

describe("file: maxAgeDays settled by a bound (a provider that examined the window only)", () => {
  const path = "docs/runbook.md";
  const run = (bound: ChangeBound, limit = 30) => {
    const facts = new Facts(
      new Map<string, Fact<unknown>>([
        [needKey({ type: "files" }), known(new FileIndex([{ path }]))],
        [needKey({ type: "lastChanged", path, within: limit }), known(bound)],
      ]),
    );
    const params = fileKind.schema.parse({ path, maxAgeDays: limit });
    return fileKind.evaluate(params, { checkId: "runbook", target: prTarget, facts, now: NOW });
  };

  it("fails a path untouched since before the window, without claiming an exact age", () => {
    const r = run({ olderThan: new Date(daysAgo(31)) });
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("docs/runbook.md last changed more than 30 days ago (limit 30)");
    expect(r.fix).toContain("every 30 days");
  });

  it("passes a path changed inside the window", () => {
    const r = run({ newerThan: new Date(daysAgo(29.5)) });
    expect(r.status).toBe("pass");
    expect(r.summary).toBe("docs/runbook.md present, changed within the last 30 days");
  });

  it("a bound in the future settles nothing: unknown, saying why", () => {
    const r = run({ newerThan: new Date(daysAgo(-30)) });
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("a date in the future, which is not evidence of freshness");
  });

  it("a bound on the wrong side of the limit settles nothing: unknown, with the reason", () => {
    const before = run({ olderThan: new Date(daysAgo(10)) });
    expect(before.status).toBe("unknown");
    expect(before.summary).toContain("at or before");
    const after = run({ newerThan: new Date(daysAgo(45)) });
    expect(after.status).toBe("unknown");
    expect(after.summary).toContain("at or after");
  });
});

describe("file: through the engine", () => {
  it("scores a local checkout", () => {
    const report = evaluateWorld(
      {
        version: 1,
        checks: {
          runbook: { file: { path: "docs/runbook.md", maxAgeDays: 90 } },
          codeowners: { file: { path: "**/CODEOWNERS" } },
        },
      },
      { files: ["docs/runbook.md", ".github/CODEOWNERS"], lastChanged: { "docs/runbook.md": daysAgo(120) } },
      localTarget,
    );
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(byId.codeowners?.status).toBe("pass");
    expect(byId.runbook?.status).toBe("fail");
    expect(byId.runbook?.summary).toBe("docs/runbook.md last changed 120 days ago (limit 90)");
    expect(report.score).toBe(50);
    expect(report.verdict).toBe("no-go");
  });
});

describe("file: every (each matching file must qualify)", () => {
  const profiles = (prod: string) => ({
    files: ["deploy/profiles/staging.env", "deploy/profiles/prod.env"],
    content: { "deploy/profiles/staging.env": "AUTH_POLICY=strict\n", "deploy/profiles/prod.env": prod },
  });
  const params = { path: "deploy/profiles/*.env", every: true, contains: "^AUTH_POLICY=strict$" };

  it("fails when one matching file does not qualify, though another does, and names it", () => {
    const r = check(fileKind, params, profiles("AUTH_POLICY=dev\n"));
    expect(r.status).toBe("fail");
    expect(r.summary).toBe(
      "1 of the 2 files matching deploy/profiles/*.env does not qualify: deploy/profiles/prod.env does not contain /^AUTH_POLICY=strict$/",
    );
    expect(r.fix).toBe("Make deploy/profiles/prod.env contain a match for /^AUTH_POLICY=strict$/");
    // Without every, the staging profile alone satisfies the glob: the case issue 9 item 6 reported.
    expect(check(fileKind, { ...params, every: undefined }, profiles("AUTH_POLICY=dev\n")).status).toBe(
      "pass",
    );
  });

  it("passes when every matching file qualifies, saying how many", () => {
    const r = check(fileKind, params, profiles("AUTH_POLICY=strict\n"));
    expect(r.status).toBe("pass");
    expect(r.summary).toBe("all 2 files matching deploy/profiles/*.env, each meets the conditions");
  });

  it("fails when no file matches, unless allowNone says none is fine", () => {
    const r = check(fileKind, params, { files: ["README.md"] });
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("no file matches deploy/profiles/*.env");
    const none = check(fileKind, { ...params, allowNone: true }, { files: ["README.md"] });
    expect(none.status).toBe("pass");
    expect(none.summary).toBe("no file matches deploy/profiles/*.env (none required)");
  });

  it("every file's age must be within the limit: the oldest fails it", () => {
    const r = check(
      fileKind,
      { path: "docs/runbooks/*.md", every: true, maxAgeDays: 90 },
      {
        files: ["docs/runbooks/a.md", "docs/runbooks/b.md"],
        lastChanged: { "docs/runbooks/a.md": daysAgo(3), "docs/runbooks/b.md": daysAgo(200) },
      },
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("docs/runbooks/b.md last changed 200 days ago (limit 90)");
  });

  it(`is unknown, never a pass, when more than ${MAX_READS_PER_ENTRY} files match and all read ones qualify`, () => {
    const files = Array.from({ length: 60 }, (_, i) => `cfg/${String(i).padStart(3, "0")}.env`);
    const content = Object.fromEntries(files.map((f) => [f, "AUTH_POLICY=strict\n"]));
    const r = check(fileKind, { path: "cfg/*.env", every: true, contains: "strict" }, { files, content });
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain(`only ${MAX_READS_PER_ENTRY} of the 60 files matching cfg/*.env were read`);
    // A definite failure among the files read still decides.
    content["cfg/003.env"] = "AUTH_POLICY=dev\n";
    const bad = check(fileKind, { path: "cfg/*.env", every: true, contains: "strict" }, { files, content });
    expect(bad.status).toBe("fail");
    expect(bad.summary).toContain("cfg/003.env");
  });

  it("is unknown when the file list is truncated: an unlisted file may not qualify", () => {
    const r = check(fileKind, params, { ...profiles("AUTH_POLICY=strict\n"), truncated: true });
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("the file list was truncated");
  });
});

describe("file: notContains (a forbidden pattern)", () => {
  const world = {
    files: ["config/app.yaml", "config/db.yaml", "README.md"],
    content: {
      "config/app.yaml": "port: 8080\n",
      "config/db.yaml": "host: db\n# rotated\npassword: hunter2\n",
    },
  };
  const params = { path: "config/**", notContains: "(?i)^\\s*password:\\s*\\S" };

  it("fails naming the file and the line where the pattern occurs", () => {
    const r = check(fileKind, params, world);
    expect(r.status).toBe("fail");
    expect(r.summary).toBe(
      "config/db.yaml:3 contains /(?i)^\\s*password:\\s*\\S/, which no file matching config/** may contain",
    );
    expect(r.fix).toBe("Remove what matches /(?i)^\\s*password:\\s*\\S/ from config/db.yaml (line 3)");
  });

  it("passes when no matching file contains it", () => {
    const clean = { ...world, content: { ...world.content, "config/db.yaml": "host: db\n" } };
    const r = check(fileKind, params, clean);
    expect(r.status).toBe("pass");
    // Names what was searched, not one file that happens to exist (a new user found the old line arbitrary).
    expect(r.summary).toBe("none of the 2 files matching config/** contains /(?i)^\\s*password:\\s*\\S/");
  });

  it("is combined with contains: one file must have it, none may have the other", () => {
    const r = check(
      fileKind,
      { path: "deploy/*.env", contains: "^AUTH_POLICY=strict$", notContains: "^AUTH_POLICY=dev$" },
      {
        files: ["deploy/a.env", "deploy/b.env"],
        content: {
          "deploy/a.env": "AUTH_POLICY=strict\n",
          "deploy/b.env": "AUTH_POLICY=strict\nAUTH_POLICY=dev\n",
        },
      },
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("deploy/b.env:2 contains /^AUTH_POLICY=dev$/");
  });

  it("fails when no file matches, unless allowNone", () => {
    expect(check(fileKind, params, { files: ["README.md"] }).status).toBe("fail");
    expect(check(fileKind, { ...params, allowNone: true }, { files: ["README.md"] }).status).toBe("pass");
  });

  it("is unknown, not a pass, when a file is larger than what is read and the pattern is not in the part read", () => {
    const r = check(
      fileKind,
      { path: "big.txt", notContains: "SECRET" },
      {
        files: [{ path: "big.txt", size: 5 * 1024 * 1024 }],
        content: { "big.txt": "a\n" },
      },
    );
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("only the first 1,048,576 bytes of big.txt were read");
    // A match in the part read is a definite failure.
    const hit = check(
      fileKind,
      { path: "big.txt", notContains: "SECRET" },
      {
        files: [{ path: "big.txt", size: 5 * 1024 * 1024 }],
        content: { "big.txt": "SECRET\n" },
      },
    );
    expect(hit.status).toBe("fail");
  });

  it(`is unknown when more than ${MAX_READS_PER_ENTRY} files match and none read contains it`, () => {
    const files = Array.from({ length: 70 }, (_, i) => `config/${String(i).padStart(3, "0")}.yaml`);
    const content = Object.fromEntries(files.map((f) => [f, "ok: 1\n"]));
    const r = check(fileKind, { path: "config/*.yaml", notContains: "password" }, { files, content });
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("one of the others may contain /password/");
  });

  it("reports an invalid pattern as a failure without reading files", () => {
    const r = check(fileKind, { path: "config/**", notContains: "(?=x)" }, world);
    expect(r.status).toBe("fail");
    expect(r.fix).toMatch(/Fix the notContains pattern/);
    expect(r.asked).toEqual([{ type: "files" }]);
  });
});

describe("file: absent (a forbidden path)", () => {
  it("passes when no file matches, asking only the file list", () => {
    const r = check(fileKind, { path: "**/*.pem", absent: true }, { files: ["README.md"] });
    expect(r.status).toBe("pass");
    expect(r.summary).toBe("no file matches **/*.pem");
    expect(r.asked).toEqual([{ type: "files" }]);
  });

  it("fails naming each offending file", () => {
    const r = check(
      fileKind,
      { path: "**/*.pem", absent: true },
      { files: ["certs/a.pem", "b.pem", "README.md"] },
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("b.pem and certs/a.pem exist, but no file may match **/*.pem");
    expect(r.fix).toBe("Remove b.pem and certs/a.pem from the repository");
  });

  it("is unknown when the file list is truncated", () => {
    const r = check(fileKind, { path: ".env", absent: true }, { files: ["README.md"], truncated: true });
    expect(r.status).toBe("unknown");
  });
});

describe("file: new forms in the policy", () => {
  it("rejects conditions with absent and allowNone without every or notContains", () => {
    expect(fileKind.schema.safeParse({ path: "x", absent: true, contains: "a" }).success).toBe(false);
    expect(fileKind.schema.safeParse({ path: "x", allowNone: true }).success).toBe(false);
    expect(fileKind.schema.safeParse({ path: "x", every: true, allowNone: true }).success).toBe(true);
  });
});

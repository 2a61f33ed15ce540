import { describe, expect, it } from "vitest";
import { attestationKind, parseAttestation } from "../../src/checks/attestation.js";
import { check, localTarget, prTarget } from "./helpers.js";

// NOW is 2025-06-01T12:00:00Z.
const PATH = ".readiness/attestations/incident-drill.yml";
const drill = (lines: string) => ({ reviewed: { [PATH]: lines } });
const good = "statement: Incident drill held\nby: alice\ndate: 2025-05-02\n";

describe("attestation: a reviewed file", () => {
  it("passes on a well-formed file by an allowed person, within its limit, read from the base branch", () => {
    const r = check(attestationKind, { path: PATH, by: ["Alice", "bob"], maxAgeDays: 90 }, drill(good));
    expect(r.status).toBe("pass");
    expect(r.credit).toBe(1);
    expect(r.summary).toBe(
      '"Incident drill held", attested by alice on 2025-05-02 (30 days ago; counts until 2025-07-31), read from main',
    );
    expect(r.asked).toEqual([{ type: "reviewedContent", path: PATH }]);
  });

  it("fails when the base branch has no such file, and says a pull request's copy counts once merged", () => {
    const r = check(attestationKind, { path: PATH }, {});
    expect(r.status).toBe("fail");
    expect(r.summary).toBe(`no attestation: ${PATH} does not exist on main`);
    expect(r.fix).toContain("a pull request's own copy counts once merged");
  });

  it("a malformed file fails with every error located as file:line:column, with did-you-mean", () => {
    const r = check(
      attestationKind,
      { path: PATH },
      drill("statement: Incident drill held\nby: alice\ndate: 2025-02-30\nutil: 2025-12-31\n"),
    );
    expect(r.status).toBe("fail");
    expect(r.details).toEqual([
      `${PATH}:3:7: date: write a real date as YYYY-MM-DD or an ISO time such as 2025-05-01T14:00:00Z`,
      `${PATH}:4:1: util: unknown key (did you mean "until"?)`,
    ]);
    expect(r.summary).toContain(`${PATH}:3:7: date:`);
  });

  it("missing fields and YAML syntax errors are located too; a bare string is not an attestation", () => {
    expect(parseAttestation("statement: x\n", PATH)).toMatchObject({
      ok: false,
      errors: [
        { line: 1, column: 1, message: "by: required" },
        { line: 1, column: 1, message: "date: required" },
      ],
    });
    const syntax = parseAttestation("statement: [x\nby: alice\n", PATH);
    expect(syntax.ok).toBe(false);
    expect(parseAttestation("just text", PATH).ok).toBe(false);
    const until = parseAttestation("statement: x\nby: a\ndate: 2025-05-02\nuntil: 2025-05-01\n", PATH);
    expect(until).toMatchObject({
      ok: false,
      errors: [{ line: 4, column: 8, message: "until: until lies before date" }],
    });
  });

  it("reads the front matter of a Markdown file, keeping line numbers", () => {
    const md =
      "---\nstatement: Team trained on the runbook\nby: bob\ndate: 2025-05-20\n---\n# Notes\n\nby: mallory\n";
    const path = "docs/attestations/training.md";
    const r = check(attestationKind, { path, by: ["bob"] }, { reviewed: { [path]: md } });
    expect(r.status).toBe("pass");
    expect(parseAttestation("---\nstatement: x\nby: bob\ndate: nope\n---\n", path)).toMatchObject({
      ok: false,
      errors: [{ line: 4, column: 7 }],
    });
    expect(
      check(attestationKind, { path }, { reviewed: { [path]: "# no front matter\n" } }).summary,
    ).toContain(`${path}:1:1: a Markdown attestation starts with YAML front matter`);
  });

  it("fails when someone not allowed attests; a team admits its members, read from GitHub", () => {
    const other = drill("statement: Incident drill held\nby: mallory\ndate: 2025-05-02\n");
    const r = check(attestationKind, { path: PATH, by: ["alice"] }, other);
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("mallory may not attest this");
    const byTeam = { path: PATH, by: ["alice", "acme/sre"] };
    // Mallory is in the team (case-insensitively): passes.
    expect(check(attestationKind, byTeam, { ...other, teams: { "acme/sre": ["Mallory"] } }).status).toBe(
      "pass",
    );
    // The team was read and she is not in it: fails, saying who may.
    const outside = check(attestationKind, byTeam, { ...other, teams: { "acme/sre": ["carol"] } });
    expect(outside.status).toBe("fail");
    expect(outside.summary).toContain("alice or members of acme/sre may");
    // The team could not be read (locally, or no permission): unknown, never passed.
    const team = check(attestationKind, byTeam, {
      ...other,
      unknown: { teamMembers: "team members are only known to GitHub" },
    });
    expect(team.status).toBe("unknown");
    expect(team.summary).toContain("whether mallory belongs to acme/sre is not known");
    // A named person passes even when teams are listed beside them.
    expect(check(attestationKind, { path: PATH, by: ["acme/sre", "alice"] }, drill(good)).status).toBe(
      "pass",
    );
  });

  it("expires by until (through the end of that day) and by maxAgeDays, whichever comes first", () => {
    const withUntil = (until: string) => drill(`${good}until: ${until}\n`);
    expect(check(attestationKind, { path: PATH }, withUntil("2025-06-01")).status).toBe("pass");
    const r = check(attestationKind, { path: PATH }, withUntil("2025-05-31"));
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("has expired");
    expect(r.summary).toContain("it counted until 2025-05-31");
    const old = check(attestationKind, { path: PATH, maxAgeDays: 29 }, withUntil("2026-01-01"));
    expect(old.status).toBe("fail");
    expect(old.summary).toContain("30 days ago, limit 29 days");
  });

  it("a date in the future attests nothing (beyond 5 minutes of clock skew)", () => {
    const at = (iso: string) => drill(`statement: x\nby: alice\ndate: ${iso}\n`);
    expect(check(attestationKind, { path: PATH }, at("2025-06-01T12:04:00Z")).status).toBe("pass");
    const r = check(attestationKind, { path: PATH }, at("2025-06-01T12:06:00Z"));
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("in the future");
    expect(check(attestationKind, { path: PATH }, at("2025-06-02")).status).toBe("fail");
  });

  it("unknown when the file could not be read; locally the checkout is read", () => {
    const r = check(attestationKind, { path: PATH }, { unknown: { reviewedContent: "403 Forbidden" } });
    expect(r.status).toBe("unknown");
    expect(r.credit).toBe(0);
    const local = check(attestationKind, { path: PATH }, drill(good), { target: localTarget });
    expect(local.status).toBe("pass");
    expect(local.summary).not.toContain("read from");
    expect(check(attestationKind, { path: PATH }, drill(good), { target: prTarget }).summary).toContain(
      "read from main",
    );
  });

  it("the policy refuses bad parameters", () => {
    expect(attestationKind.schema.safeParse({}).success).toBe(false);
    expect(attestationKind.schema.safeParse({ path: PATH, by: [] }).success).toBe(false);
    expect(attestationKind.schema.safeParse({ path: PATH, maxAgeDays: 0 }).success).toBe(false);
  });
});

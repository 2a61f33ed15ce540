import { describe, expect, it } from "vitest";
import { parseCommandLine, parseNow } from "../../src/cli/args.js";

describe("parseNow", () => {
  it("takes dates and date-times; no zone means UTC", () => {
    expect(parseNow("2025-03-01")?.toISOString()).toBe("2025-03-01T00:00:00.000Z");
    expect(parseNow("2025-03-01T12:30:00Z")?.toISOString()).toBe("2025-03-01T12:30:00.000Z");
    expect(parseNow("2025-03-01T12:30")?.toISOString()).toBe("2025-03-01T12:30:00.000Z");
    expect(parseNow("2025-03-01T12:30:00.250+02:00")?.toISOString()).toBe("2025-03-01T10:30:00.250Z");
  });

  it("refuses what is not an ISO-8601 time, or a day that does not exist", () => {
    for (const bad of [
      "yesterday",
      "2025-02-30",
      "2025-13-01",
      "03/01/2025",
      "2025-03-01T25:00Z",
      "",
      "1740830400",
    ])
      expect(parseNow(bad), bad).toBeNull();
  });
});

describe("parseCommandLine", () => {
  it("parses check with every option", () => {
    const p = parseCommandLine([
      "check",
      "some/dir",
      "--policy",
      "p.yml",
      "--format",
      "json",
      "--now",
      "2025-03-01",
      "--repo",
      "acme/api",
      "--ref",
      "main",
    ]);
    expect(p).toEqual({
      ok: true,
      command: {
        name: "check",
        dir: "some/dir",
        policy: "p.yml",
        format: "json",
        now: new Date("2025-03-01T00:00:00Z"),
        github: { owner: "acme", repo: "api", ref: "main" },
      },
    });
    expect(parseCommandLine(["check"])).toEqual({ ok: true, command: { name: "check", format: "text" } });
  });

  it("answers help and version from anywhere", () => {
    expect(parseCommandLine(["--help"])).toEqual({ ok: true, command: { name: "help" } });
    expect(parseCommandLine(["check", "--help"])).toEqual({
      ok: true,
      command: { name: "help", topic: "check" },
    });
    expect(parseCommandLine(["--version"])).toEqual({ ok: true, command: { name: "version" } });
  });

  it("hands reconcile's arguments, unparsed, to the App's reconcile", () => {
    expect(parseCommandLine(["reconcile", "--installation", "12"])).toEqual({
      ok: true,
      command: { name: "reconcile", args: ["--installation", "12"] },
    });
  });

  it("reports usage errors as values", () => {
    const cases: [string[], RegExp][] = [
      [[], /no command/],
      [["deploy"], /unknown command 'deploy'/],
      [["--frobnicate"], /unknown option/],
      [["check", "--format", "xml"], /--format must be one of text, markdown, json/],
      [["check", "--now", "soon"], /--now must be an ISO-8601/],
      [["check", "--repo", "acme/api"], /--repo and --ref go together/],
      [["check", "--repo", "not a repo", "--ref", "x"], /--repo must be OWNER\/NAME/],
      [["check", "a", "b"], /unexpected argument 'b'/],
      [["check", "--bogus"], /Unknown option '--bogus'/],
      [["check", "--policy"], /--policy/],
      [["schema", "extra"], /unexpected argument/],
    ];
    for (const [argv, message] of cases) {
      const p = parseCommandLine(argv);
      expect(p.ok, argv.join(" ")).toBe(false);
      if (!p.ok) expect(p.message).toMatch(message);
    }
  });
});

describe("parseCommandLine: init, validate --strict, CI formats", () => {
  it("parses init with a directory and --force", () => {
    expect(parseCommandLine(["init"])).toEqual({ ok: true, command: { name: "init" } });
    expect(parseCommandLine(["init", "svc", "--force"])).toEqual({
      ok: true,
      command: { name: "init", dir: "svc", force: true },
    });
    expect(parseCommandLine(["init", "--help"])).toEqual({
      ok: true,
      command: { name: "help", topic: "init" },
    });
    expect(parseCommandLine(["init", "a", "b"])).toEqual({ ok: false, message: "unexpected argument 'b'" });
  });

  it("parses validate --strict and the sarif and github formats", () => {
    expect(parseCommandLine(["validate", "--strict"])).toEqual({
      ok: true,
      command: { name: "validate", strict: true },
    });
    for (const format of ["sarif", "github"])
      expect(parseCommandLine(["check", "--format", format])).toEqual({
        ok: true,
        command: { name: "check", format },
      });
  });
});

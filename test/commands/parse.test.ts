import { describe, expect, it } from "vitest";
import { CHECK_ID_PATTERN, type ParsedLine, parseCommands, USAGE } from "../../src/commands/parse.js";
import { CHECK_ID } from "../../src/policy/schema.js";

const commands = (body: string) =>
  parseCommands(body).map((l) => (l.ok ? l.command : { error: l.error.code }));
const one = (body: string): ParsedLine => {
  const lines = parseCommands(body);
  expect(lines).toHaveLength(1);
  return lines[0]!;
};

describe("parseCommands: the forms", () => {
  it("waive … until a date", () => {
    expect(commands("/readiness waive deps until 2026-12-31 Vendor patch lands next sprint")).toEqual([
      {
        verb: "waive",
        check: "deps",
        expiry: { kind: "until", date: "2026-12-31" },
        reason: "Vendor patch lands next sprint",
      },
    ]);
  });

  it("waive … for days or weeks", () => {
    expect(commands("/readiness waive deps for 14d flaky scanner, ticket OPS-12")).toEqual([
      {
        verb: "waive",
        check: "deps",
        expiry: { kind: "for", days: 14, text: "14d" },
        reason: "flaky scanner, ticket OPS-12",
      },
    ]);
    expect(commands("/readiness waive deps for 2W reason text here")[0]).toMatchObject({
      expiry: { kind: "for", days: 14, text: "2W" },
    });
  });

  it("unwaive, signoff with and without a note, recheck, help", () => {
    expect(
      commands(
        [
          "/readiness unwaive deps",
          "/readiness signoff security-review",
          "/readiness signoff security-review looked at the threat model",
          "/readiness recheck",
          "/readiness help",
        ].join("\n"),
      ),
    ).toEqual([
      { verb: "unwaive", check: "deps" },
      { verb: "signoff", check: "security-review" },
      { verb: "signoff", check: "security-review", note: "looked at the threat model" },
      { verb: "recheck" },
      { verb: "help" },
    ]);
  });

  it("keeps the line number and the trimmed text", () => {
    const [l] = parseCommands("Thanks!\n\n  /readiness recheck  \n");
    expect(l).toMatchObject({ line: 3, text: "/readiness recheck", ok: true });
  });

  it("accepts mixed case in the prefix, the verb and the keywords, and extra whitespace", () => {
    expect(commands("/READINESS   Waive \t deps   UNTIL   2026-01-31    reason   with  spaces  ")).toEqual([
      {
        verb: "waive",
        check: "deps",
        expiry: { kind: "until", date: "2026-01-31" },
        reason: "reason   with  spaces",
      },
    ]);
    expect(commands("/Readiness\tRECHECK")).toEqual([{ verb: "recheck" }]);
    expect(commands("   /readiness help")).toEqual([{ verb: "help" }]);
  });

  it("reads several commands in one comment, in order, among prose, with CRLF line ends", () => {
    const body =
      "Shipping with a known gap.\r\n/readiness waive a for 3d reason one long\r\nmore prose\r\n/readiness waive b for 4d reason two long\r\n";
    expect(commands(body).map((c) => ("check" in c ? c.check : null))).toEqual(["a", "b"]);
  });

  it("keeps the check id's case", () => {
    expect(commands("/readiness unwaive Deps.v2_x-y")).toEqual([{ verb: "unwaive", check: "Deps.v2_x-y" }]);
  });

  it("checks ids with the policy's own pattern", () => {
    expect(CHECK_ID_PATTERN.source).toBe(CHECK_ID.source);
  });
});

describe("parseCommands: what is not a command", () => {
  const notCommands: [string, string][] = [
    ["fenced with backticks", "```\n/readiness waive deps for 3d some reason\n```"],
    ["fenced with tildes", "~~~text\n/readiness recheck\n~~~"],
    ["fenced with a longer fence closed only by a long enough one", "````\n```\n/readiness recheck\n````"],
    ["an unclosed fence hides the rest", "```\n/readiness recheck"],
    ["a tilde line does not close a backtick fence", "```\n~~~\n/readiness recheck\n```"],
    ["a fence in a list item", "- step\n  ```\n  /readiness recheck\n  ```"],
    ["indented code, four spaces", "text\n\n    /readiness recheck"],
    ["indented code, tab", "\t/readiness recheck"],
    ["a quoted reply", "> /readiness waive deps for 3d some reason"],
    ["a nested quote", "> > /readiness recheck"],
    ["a quote's lazy continuation", "> Alice wrote:\n/readiness recheck"],
    ["inline code", "`/readiness recheck`"],
    ["not at the start of its line", "please run /readiness recheck"],
    ["in a list item", "- /readiness recheck"],
    ["in a heading", "# /readiness recheck"],
    ["escaped", "\\/readiness recheck"],
    ["a longer word", "/readinessrecheck"],
    ["another prefix", "/ready recheck"],
    ["in an HTML comment", "<!--\n/readiness recheck\n-->"],
    ["in an HTML comment opened mid-line", "note <!-- hidden\n/readiness recheck\n-->"],
    ["in a <pre> block", "<pre>\n/readiness recheck\n</pre>"],
    ["after a non-breaking space", "\u00a0/readiness recheck"],
  ];
  for (const [name, body] of notCommands) {
    it(name, () => {
      expect(parseCommands(body)).toEqual([]);
    });
  }

  it("reads commands again once a fence, quote, comment or <pre> has ended", () => {
    const body = [
      "```",
      "/readiness waive hidden for 3d reason reason",
      "```",
      "/readiness unwaive a",
      "> /readiness unwaive quoted",
      "",
      "/readiness unwaive b",
      "<!-- /readiness unwaive c -->",
      "/readiness unwaive d",
      "<pre>x</pre>",
      "/readiness unwaive e",
      "~~~",
      "/readiness unwaive hidden",
      "~~~~",
      "/readiness unwaive f",
    ].join("\n");
    expect(commands(body)).toEqual(["a", "b", "d", "e", "f"].map((check) => ({ verb: "unwaive", check })));
  });

  it("a backtick line with a backtick in its info string is inline code, not a fence", () => {
    expect(commands("```foo``` is inline\n/readiness recheck")).toEqual([{ verb: "recheck" }]);
  });

  it("a fence indented four spaces does not close a fence", () => {
    expect(commands("```\n    ```\n/readiness recheck\n```")).toEqual([]);
  });

  it("returns nothing for an empty body or a non-string", () => {
    expect(parseCommands("")).toEqual([]);
    expect(parseCommands(undefined as unknown as string)).toEqual([]);
  });
});

describe("parseCommands: errors are values with the right form", () => {
  it("an unknown verb, with a did-you-mean and its form", () => {
    const l = one("/readiness sign-off security-review");
    expect(l.ok).toBe(false);
    if (l.ok) return;
    expect(l.error.code).toBe("unknown-verb");
    expect(l.error.suggestions).toEqual(["signoff"]);
    expect(l.error.usage).toEqual(USAGE.signoff);
  });

  it("an unknown verb with nothing close lists every form", () => {
    const l = one("/readiness deploy now");
    if (l.ok) throw new Error("expected an error");
    expect(l.error).toMatchObject({ code: "unknown-verb", suggestions: [] });
    expect(l.error.usage).toHaveLength(6);
    expect(l.verb).toBe("deploy");
  });

  it("the prefix alone", () => {
    const l = one("/readiness");
    expect(l).toMatchObject({ ok: false, verb: null, error: { code: "missing-verb" } });
  });

  const errors: [string, string][] = [
    ["/readiness waive", "missing-check"],
    ["/readiness unwaive", "missing-check"],
    ["/readiness signoff", "missing-check"],
    ["/readiness waive `deps` for 3d reason", "invalid-check-id"],
    ["/readiness waive deps", "missing-expiry"],
    ["/readiness waive deps because it is broken", "missing-expiry"],
    ["/readiness waive deps until", "invalid-date"],
    ["/readiness waive deps until tomorrow reason", "invalid-date"],
    ["/readiness waive deps until 2026-02-30 reason", "invalid-date"],
    ["/readiness waive deps until 2026-1-31 reason", "invalid-date"],
    ["/readiness waive deps for", "invalid-duration"],
    ["/readiness waive deps for 0d reason", "invalid-duration"],
    ["/readiness waive deps for 14 days reason", "invalid-duration"],
    ["/readiness waive deps for 3m reason", "invalid-duration"],
    ["/readiness waive deps for 99999d reason", "invalid-duration"],
  ];
  for (const [body, code] of errors) {
    it(`${body} → ${code}`, () => {
      const l = one(body);
      expect(l.ok).toBe(false);
      if (l.ok) return;
      expect(l.error.code).toBe(code);
      expect(l.error.usage.length).toBeGreaterThan(0);
      expect(l.error.message).not.toBe("");
    });
  }

  it("a waiver without a reason parses; the policy's minimum is judged by authorisation", () => {
    expect(commands("/readiness waive deps for 3d")).toEqual([
      { verb: "waive", check: "deps", expiry: { kind: "for", days: 3, text: "3d" }, reason: "" },
    ]);
  });

  it("quotes what people typed in code spans, so an error message cannot mention anyone", () => {
    const l = one("/readiness waive deps until @everyone`x reason");
    if (l.ok) throw new Error("expected an error");
    expect(l.error.message).toBe("``@everyone`x`` is not a date written YYYY-MM-DD.");
  });
});

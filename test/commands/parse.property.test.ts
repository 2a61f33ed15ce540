import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ParsedCommand, parseCommands } from "../../src/commands/parse.js";

const SEED = 20260615;
const RUNS = 1000;

// Fragments that exercise every branch of the scanner: prefixes, fences, quotes, comments, indentation.
const fragment = fc.oneof(
  fc.constantFrom(
    "/readiness",
    "/READINESS ",
    "/readiness waive ",
    "/readiness waive deps until 2026-12-31 reason text",
    "/readiness waive deps for 14d reason text",
    "/readiness unwaive deps",
    "/readiness signoff sec",
    "/readiness recheck",
    "/readiness help",
    "/readiness frobnicate",
    "```",
    "````",
    "~~~",
    "> ",
    ">",
    "    ",
    "\t",
    "   ",
    "<!--",
    "-->",
    "<pre>",
    "</pre>",
    "`",
    "\n",
    "\r\n",
    "\r",
    "\n\n",
    " ",
    "until",
    "for",
    "2026-02-30",
    "0d",
    "\u00a0",
    "\u2028",
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
);
const soup = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(""));
const anyBody = fc.oneof(soup, fc.string({ unit: "binary", maxLength: 300 }), fc.string({ maxLength: 300 }));

const lineOf = (body: string, n: number): string => body.split(/\r\n|\r|\n/)[n - 1] ?? "";

describe("parseCommands properties", () => {
  it("never throws, and only lines that start with the prefix become commands", () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        const lines = parseCommands(body);
        let last = 0;
        for (const l of lines) {
          expect(l.line).toBeGreaterThan(last);
          last = l.line;
          expect(lineOf(body, l.line)).toMatch(/^ {0,3}\/readiness(?=[ \t]|$)/i);
          expect(l.text).toBe(lineOf(body, l.line).trim());
        }
      }),
      { seed: SEED, numRuns: 2 * RUNS },
    );
  });

  it("nothing inside a quote, a fence, indented code, a comment or after other text is a command", () => {
    fc.assert(
      fc.property(
        anyBody,
        fc.constantFrom("quote", "fence", "tilde", "indent", "tab", "inline", "comment"),
        (body, wrap) => {
          const lines = body.split(/\r\n|\r|\n/);
          const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
          const longestTilde = Math.max(0, ...(body.match(/~+/g) ?? []).map((r) => r.length));
          let wrapped: string;
          switch (wrap) {
            case "quote":
              wrapped = lines.map((l) => `> ${l}`).join("\n");
              break;
            case "fence":
              wrapped = ["`".repeat(longestRun + 3), ...lines, "`".repeat(longestRun + 3)].join("\n");
              break;
            case "tilde":
              wrapped = ["~".repeat(longestTilde + 3), ...lines].join("\n");
              break;
            case "indent":
              wrapped = lines.map((l) => `    ${l}`).join("\n");
              break;
            case "tab":
              wrapped = lines.map((l) => `\t${l}`).join("\n");
              break;
            case "inline":
              wrapped = lines.map((l) => `see ${l}`).join("\n");
              break;
            default:
              wrapped = `<!--\n${body.replaceAll(">", "")}\n-->`;
          }
          expect(parseCommands(wrapped)).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  // A comment built from blocks whose expected commands are known: only plain command lines count.
  const word = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
  const reason = fc.array(word, { minLength: 1, maxLength: 6 }).map((w) => w.join(" "));
  const checkId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/);
  const day = fc
    .date({
      min: new Date("2000-01-01T00:00:00Z"),
      max: new Date("2099-12-31T00:00:00Z"),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10));
  const sep = fc.constantFrom(" ", "  ", "\t", " \t ");
  const casing = (s: string) => fc.constantFrom(s, s.toUpperCase(), s[0]!.toUpperCase() + s.slice(1));

  interface Rendered {
    text: string;
    command: ParsedCommand;
  }

  const command: fc.Arbitrary<Rendered> = fc
    .record({
      indent: fc.constantFrom("", " ", "  ", "   "),
      prefix: casing("/readiness"),
      s1: sep,
      s2: sep,
      s3: sep,
      s4: sep,
      trailing: fc.constantFrom("", " ", "\t"),
      check: checkId,
      reason,
      day,
      n: fc.integer({ min: 1, max: 365 }),
      unit: fc.constantFrom("d", "w", "D", "W"),
      kind: fc.constantFrom("until", "for", "unwaive", "signoff", "signoff-note", "recheck", "help"),
      verbCase: fc.constantFrom("lower", "upper"),
    })
    .map((r) => {
      const v = (s: string) => (r.verbCase === "upper" ? s.toUpperCase() : s);
      const head = `${r.indent}${r.prefix}${r.s1}`;
      switch (r.kind) {
        case "until":
          return {
            text: `${head}${v("waive")}${r.s2}${r.check}${r.s3}${v("until")}${r.s4}${r.day} ${r.reason}${r.trailing}`,
            command: {
              verb: "waive",
              check: r.check,
              expiry: { kind: "until", date: r.day },
              reason: r.reason,
            },
          };
        case "for": {
          const text = `${r.n}${r.unit}`;
          const days = r.n * (r.unit.toLowerCase() === "w" ? 7 : 1);
          return {
            text: `${head}${v("waive")}${r.s2}${r.check}${r.s3}${v("for")}${r.s4}${text} ${r.reason}${r.trailing}`,
            command: { verb: "waive", check: r.check, expiry: { kind: "for", days, text }, reason: r.reason },
          };
        }
        case "unwaive":
          return {
            text: `${head}${v("unwaive")}${r.s2}${r.check}${r.trailing}`,
            command: { verb: "unwaive", check: r.check },
          };
        case "signoff":
          return {
            text: `${head}${v("signoff")}${r.s2}${r.check}${r.trailing}`,
            command: { verb: "signoff", check: r.check },
          };
        case "signoff-note":
          return {
            text: `${head}${v("signoff")}${r.s2}${r.check}${r.s3}${r.reason}${r.trailing}`,
            command: { verb: "signoff", check: r.check, note: r.reason },
          };
        case "recheck":
          return { text: `${head}${v("recheck")}${r.trailing}`, command: { verb: "recheck" } };
        default:
          return { text: `${head}${v("help")}${r.trailing}`, command: { verb: "help" } };
      }
    });

  type Block = { lines: string[]; commands: (ParsedCommand | null)[] };
  const plain: fc.Arbitrary<Block> = fc
    .array(
      fc.oneof(
        command,
        reason.map((t) => ({ text: t, command: null })),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((items) => ({
      lines: items.map((i) => i.text),
      commands: items.map((i) => (i.command as ParsedCommand | null) ?? null),
    }));
  const hidden = (wrap: (texts: string[]) => string[]): fc.Arbitrary<Block> =>
    fc.array(command, { minLength: 1, maxLength: 3 }).map((cs) => {
      const lines = wrap(cs.map((c) => c.text));
      return { lines, commands: lines.map(() => null) };
    });
  const block = fc.oneof(
    plain,
    hidden((t) => ["```", ...t, "```"]),
    hidden((t) => ["~~~~ yaml", ...t, "~~~~"]),
    hidden((t) => ["````md", "```", ...t, "``` not a closing fence", ...t, "````"]),
    hidden((t) => ["~~~", "```", ...t, "    ~~~", ...t, "~~~"]),
    hidden((t) => t.map((l) => `> ${l}`)),
    hidden((t) => ["> quoted", ...t]),
    hidden((t) => t.map((l) => `    ${l.trimStart()}`)),
    hidden((t) => t.map((l) => `\t${l}`)),
    hidden((t) => t.map((l) => `\`${l.trim()}\``)),
    hidden((t) => t.map((l) => `Please run ${l.trim()}`)),
    hidden((t) => ["<!--", ...t, "-->"]),
    hidden((t) => ["<details><summary>x</summary>", "", "```", ...t, "```", "</details>"]),
  );

  it("accepts exactly the plain command lines of a comment, with their values", () => {
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 6 }), (blocks) => {
        const lines: string[] = [];
        const expected: { line: number; command: ParsedCommand }[] = [];
        blocks.forEach((b, i) => {
          if (i > 0) lines.push("");
          b.lines.forEach((l, j) => {
            lines.push(l);
            const c = b.commands[j];
            if (c) expected.push({ line: lines.length, command: c });
          });
        });
        const parsed = parseCommands(lines.join("\n"));
        expect(parsed.map((p) => ({ line: p.line, command: p.ok ? p.command : p.error }))).toEqual(expected);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

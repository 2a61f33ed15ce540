// Slash commands in a comment body. Pure, total: any string in, structured lines out, errors as values.
//
// A command is a line of its own that starts with `/readiness` (at most three spaces before it). Everything a
// reader would not see as a plain line of the comment is not a command: fenced code (``` and ~~~), indented code
// (four spaces or a tab), quoted replies (`>` lines and the lines that lazily continue them), HTML comments and
// <pre> blocks, and any text where `/readiness` is not at the start of its line (inline code included).

import { suggest } from "../policy/suggest.js";
import { isCalendarDate } from "./dates.js";
import { codeSpan } from "./markdown.js";

export const COMMAND_PREFIX = "/readiness";

/** Check ids as the policy allows them (src/policy/schema.ts CHECK_ID; a test keeps the two equal). */
export const CHECK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export type Verb = "waive" | "unwaive" | "signoff" | "recheck" | "help";
export const VERBS: readonly Verb[] = ["waive", "unwaive", "signoff", "recheck", "help"];

/** Longest waiver a `for` duration may ask for before the policy's `maxDays` is even consulted. */
const MAX_DURATION_DAYS = 3650;

export type Expiry =
  | { kind: "until"; date: string }
  /** `for 14d` / `for 2w`: resolved against the day the comment was posted (UTC). */
  | { kind: "for"; days: number; text: string };

export type ParsedCommand =
  | { verb: "waive"; check: string; expiry: Expiry; reason: string }
  | { verb: "unwaive"; check: string; reason?: string }
  | { verb: "signoff"; check: string; note?: string }
  | { verb: "recheck" }
  | { verb: "help" };

export type ParseErrorCode =
  | "missing-verb"
  | "unknown-verb"
  | "missing-check"
  | "invalid-check-id"
  | "missing-expiry"
  | "invalid-date"
  | "invalid-duration";

export interface ParseError {
  code: ParseErrorCode;
  message: string;
  /** The right form(s) of the command. */
  usage: string[];
  /** "Did you mean" candidates, when there are any. */
  suggestions: string[];
}

interface LineBase {
  /** 1-based line number in the comment body. */
  line: number;
  /** The line as written, trimmed. */
  text: string;
}

export type ParsedLine =
  | (LineBase & { ok: true; command: ParsedCommand })
  | (LineBase & { ok: false; verb: string | null; error: ParseError });

export const USAGE: Record<Verb, string[]> = {
  waive: [
    "/readiness waive <check-id> until YYYY-MM-DD <reason>",
    "/readiness waive <check-id> for <N>d|<N>w <reason>",
  ],
  unwaive: ["/readiness unwaive <check-id>"],
  signoff: ["/readiness signoff <check-id> [note]"],
  recheck: ["/readiness recheck"],
  help: ["/readiness help"],
};

export const ALL_USAGE: string[] = VERBS.flatMap((v) => USAGE[v]);

const FENCE_OPEN = /^[ \t]*(`{3,}|~{3,})(.*)$/;
const QUOTE = /^ {0,3}>/;
const BLANK = /^[ \t]*$/;
const RAW_HTML_OPEN = /^ {0,3}<(pre|script|style|textarea)(?=[\s>]|$)/i;
const COMMAND_LINE = /^ {0,3}\/readiness(?=[ \t]|$)/i;

interface Fence {
  char: string;
  length: number;
}

/** CommonMark: a fence opens with 3+ backticks or tildes; a backtick fence's info string has no backtick. */
function fenceOpening(line: string): Fence | null {
  const m = FENCE_OPEN.exec(line);
  if (!m) return null;
  const marker = m[1]!;
  if (marker[0] === "`" && m[2]!.includes("`")) return null;
  return { char: marker[0]!, length: marker.length };
}

/**
 * A fence closes with the same character, at least as long, nothing after it, indented at most three spaces.
 * Openings are recognised at any indentation and closings only at CommonMark's: both err towards "still code".
 */
function closesFence(line: string, fence: Fence): boolean {
  const m = /^ {0,3}(`+|~+)[ \t]*$/.exec(line);
  return !!m && m[1]![0] === fence.char && m[1]!.length >= fence.length;
}

/** Whether an HTML comment is still open after this line, given whether one was open before it. */
function htmlCommentOpenAfter(line: string, open: boolean): boolean {
  let i = 0;
  let inside = open;
  for (;;) {
    if (inside) {
      const end = line.indexOf("-->", i);
      if (end < 0) return true;
      inside = false;
      i = end + 3;
    } else {
      const start = line.indexOf("<!--", i);
      if (start < 0) return false;
      inside = true;
      i = start + 4;
    }
  }
}

/** Every command line of a comment body, in order. Never throws. */
export function parseCommands(body: string): ParsedLine[] {
  if (typeof body !== "string" || body.length === 0) return [];
  const lines = body.split(/\r\n|\r|\n/);
  const out: ParsedLine[] = [];
  let fence: Fence | null = null;
  let inHtmlComment = false;
  // Inside <pre>, <script>, <style> or <textarea>: raw text up to the closing tag.
  let rawHtmlEnd: string | null = null;
  // The previous line belonged to a block quote: a non-blank line right after it continues the quote.
  let inQuote = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    if (inHtmlComment) {
      inHtmlComment = htmlCommentOpenAfter(line, true);
      continue;
    }
    if (rawHtmlEnd) {
      if (line.toLowerCase().includes(`</${rawHtmlEnd}>`)) rawHtmlEnd = null;
      continue;
    }
    const opening = fenceOpening(line);
    if (opening) {
      fence = opening;
      inQuote = false;
      continue;
    }
    if (BLANK.test(line)) {
      inQuote = false;
      continue;
    }
    // An HTML block or comment opened inside a quote ends with the quote (CommonMark), so it is not tracked.
    if (QUOTE.test(line) || inQuote) {
      inQuote = true;
      continue;
    }
    const raw = RAW_HTML_OPEN.exec(line);
    if (raw) {
      rawHtmlEnd = raw[1]!.toLowerCase();
      if (line.toLowerCase().includes(`</${rawHtmlEnd}>`)) rawHtmlEnd = null;
      continue;
    }
    inHtmlComment = htmlCommentOpenAfter(line, false);
    if (!COMMAND_LINE.test(line)) continue;
    out.push(parseCommandLine(line.trim(), i + 1));
  }
  return out;
}

function failure(
  line: number,
  text: string,
  verb: string | null,
  code: ParseErrorCode,
  message: string,
  usage: string[],
  suggestions: string[] = [],
): ParsedLine {
  return { line, text, ok: false, verb, error: { code, message, usage, suggestions } };
}

/** Splits off the first whitespace-separated word. */
function word(s: string): [string, string] {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(s);
  return m ? [m[1]!, m[2]!.trim()] : ["", ""];
}

/** One command line (already known to start with the prefix), trimmed. */
export function parseCommandLine(text: string, line = 1): ParsedLine {
  const rest = text.slice(COMMAND_PREFIX.length).trim();
  const [rawVerb, args] = word(rest);
  if (!rawVerb) {
    return failure(line, text, null, "missing-verb", "The command has no verb.", ALL_USAGE);
  }
  const verb = rawVerb.toLowerCase();
  if (!(VERBS as readonly string[]).includes(verb)) {
    const suggestions = suggest(verb, VERBS);
    return failure(
      line,
      text,
      rawVerb,
      "unknown-verb",
      `${codeSpan(rawVerb)} is not a /readiness command.`,
      suggestions.length ? suggestions.flatMap((s) => USAGE[s as Verb]) : ALL_USAGE,
      suggestions,
    );
  }
  const v = verb as Verb;
  if (v === "recheck" || v === "help") return { line, text, ok: true, command: { verb: v } };

  const [check, tail] = word(args);
  if (!check) return failure(line, text, v, "missing-check", `\`${v}\` needs a check id.`, USAGE[v]);
  if (!CHECK_ID_PATTERN.test(check)) {
    return failure(
      line,
      text,
      v,
      "invalid-check-id",
      `${codeSpan(check)} is not a check id (letters, digits, '.', '_' and '-').`,
      USAGE[v],
    );
  }
  if (v === "unwaive") {
    return { line, text, ok: true, command: tail ? { verb: v, check, reason: tail } : { verb: v, check } };
  }
  if (v === "signoff") {
    return { line, text, ok: true, command: tail ? { verb: v, check, note: tail } : { verb: v, check } };
  }

  const [keyword, afterKeyword] = word(tail);
  const [value, reason] = word(afterKeyword);
  switch (keyword.toLowerCase()) {
    case "until":
      if (!isCalendarDate(value)) {
        return failure(
          line,
          text,
          v,
          "invalid-date",
          value
            ? `${codeSpan(value)} is not a date written YYYY-MM-DD.`
            : "`until` needs a date written YYYY-MM-DD.",
          USAGE.waive,
        );
      }
      return {
        line,
        text,
        ok: true,
        command: { verb: v, check, expiry: { kind: "until", date: value }, reason },
      };
    case "for": {
      const m = /^(\d{1,4})([dw])$/i.exec(value);
      const days = m ? Number(m[1]) * (m[2]!.toLowerCase() === "w" ? 7 : 1) : 0;
      if (!m || days < 1 || days > MAX_DURATION_DAYS) {
        return failure(
          line,
          text,
          v,
          "invalid-duration",
          value
            ? `${codeSpan(value)} is not a duration: write a number of days or weeks, e.g. 14d or 2w.`
            : "`for` needs a duration, e.g. 14d or 2w.",
          USAGE.waive,
        );
      }
      return {
        line,
        text,
        ok: true,
        command: { verb: v, check, expiry: { kind: "for", days, text: value }, reason },
      };
    }
    default:
      return failure(
        line,
        text,
        v,
        "missing-expiry",
        "A waiver needs an expiry: `until YYYY-MM-DD` or `for 14d`, before the reason.",
        USAGE.waive,
      );
  }
}

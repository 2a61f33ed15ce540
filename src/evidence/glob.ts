// Globs from policies (branches, environments, file paths, changed files, release assets), compiled once to
// an RE2 regular expression. RE2 matches in time linear in the input whatever the glob: a backtracking
// engine (picomatch compiles to a JavaScript RegExp) let `*a*a*a*a*a*a*a*a*a*a*a*a*b` hang the server.
//
// The syntax is picomatch's with `dot: true`, which policies were written against: `*` and `?` within one
// path segment (dot-files included), `**` as a whole segment for any number of segments (`docs/**` also
// matches `docs`, `**/x` also `x`), `{a,b}` (nested too) and `{1..9}` ranges, `[abc]`, `[!a-z]`, `[^a-z]`,
// `[[:alpha:]]`, extglobs `@(a|b)`, `?(a)`, `*(a)`, `+(a)`, `\` escapes, and a leading `!` negating the
// whole glob. Not supported, and refused with a reason: `!(...)` (needs a lookahead RE2 does not have),
// ranges of more than MAX_RANGE values, globs longer than MAX_GLOB_LENGTH.
import { RE2JS } from "re2js";

export const MAX_GLOB_LENGTH = 512;
const MAX_RANGE = 1000;

export type CompiledGlob = { ok: true; test: (s: string) => boolean } | { ok: false; message: string };

class GlobError extends Error {}

const REGEX_SPECIAL = /[\\^$.|?*+()[\]{}]/g;
const quote = (s: string): string => s.replace(REGEX_SPECIAL, "\\$&");

const ANY_IN_SEGMENT = "[^/]*";
const POSIX_CLASSES = new Set([
  "alnum",
  "alpha",
  "ascii",
  "blank",
  "cntrl",
  "digit",
  "graph",
  "lower",
  "print",
  "punct",
  "space",
  "upper",
  "word",
  "xdigit",
]);

/** Translates glob text (no leading `!`) to an RE2 regular expression that must match the whole input. */
export function globToRegex(glob: string): string {
  let i = 0;
  const n = glob.length;

  // Returns the regex for glob[i..] up to (not including) a stop character at depth 0 of this call.
  const sequence = (stops: string): string => {
    let out = "";
    while (i < n) {
      const c = glob[i]!;
      if (stops.includes(c)) return out;
      if (c === "\\") {
        out += i + 1 < n ? quote(glob[i + 1]!) : "\\\\";
        i += 2;
      } else if (c === "*" && glob[i + 1] === "*") {
        let j = i;
        while (glob[j] === "*") j++;
        // A whole segment, also as one alternative of a brace or group: `{docs/**,*.md}`.
        const startsSegment = i === 0 || "/{,(|".includes(glob[i - 1]!);
        const endsSegment = j === n || glob[j] === "/" || stops.includes(glob[j]!);
        if (startsSegment && endsSegment) {
          if (glob[j] !== "/") {
            // `a/**` matches `a` too: the slash before is optional, as is everything after.
            if (out.endsWith("/")) out = `${out.slice(0, -1)}(?:/.*)?`;
            else out += ".*";
            i = j;
          } else {
            // `**/` at the start or after a slash: zero or more whole segments.
            out += "(?:[^/]*/)*";
            i = j + 1;
          }
        } else {
          out += ANY_IN_SEGMENT;
          i = j;
        }
      } else if ("@?*+!".includes(c) && glob[i + 1] === "(" && closingParen(i + 1) > 0) {
        if (c === "!")
          throw new GlobError(
            `"!(…)" is not supported (in ${JSON.stringify(glob)}): put a "!" before the whole glob to negate it`,
          );
        i += 2;
        const alternatives = group();
        out += `(?:${alternatives})${c === "@" ? "" : c}`;
      } else if (c === "(" && closingParen(i) > 0) {
        i += 1;
        out += `(?:${group()})`;
      } else if (c === "*") {
        out += ANY_IN_SEGMENT;
        i++;
      } else if (c === "?") {
        out += "[^/]";
        i++;
      } else if (c === "[") {
        const cls = bracket(i);
        if (cls === null) {
          out += "\\[";
          i++;
        } else {
          out += cls.regex;
          i = cls.end;
        }
      } else if (c === "{") {
        const b = brace();
        if (b === null) {
          out += "\\{";
          i++;
        } else out += b;
      } else {
        out += quote(c);
        i++;
      }
    }
    return out;
  };

  // Inside `(…)` after the opening parenthesis: alternatives separated by `|`, up to the closing one.
  const group = (): string => {
    const parts: string[] = [sequence("|)")];
    while (glob[i] === "|") {
      i++;
      parts.push(sequence("|)"));
    }
    i++; // the ")"
    return parts.join("|");
  };

  // Index of the parenthesis closing the one at `at`, or -1.
  const closingParen = (at: number): number => {
    let depth = 0;
    for (let k = at; k < n; k++) {
      if (glob[k] === "\\") k++;
      else if (glob[k] === "(") depth++;
      else if (glob[k] === ")" && --depth === 0) return k;
    }
    return -1;
  };

  // `{a,b}` or `{1..3}` at i, or null when it is plain text (unclosed, or a single alternative like `{a}`).
  const brace = (): string | null => {
    const close = closingBrace(i);
    if (close < 0) return null;
    const inner = glob.slice(i + 1, close);
    const range = /^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])$/.exec(inner);
    if (range) {
      i = close + 1;
      return expandRange(range[1]!, range[2]!);
    }
    if (!hasTopLevelComma(i + 1, close)) return null;
    const start = i;
    i++;
    const parts: string[] = [sequence(",}")];
    while (glob[i] === ",") {
      i++;
      parts.push(sequence(",}"));
    }
    if (glob[i] !== "}") {
      i = start;
      return null;
    }
    i++;
    return `(?:${parts.join("|")})`;
  };

  const closingBrace = (at: number): number => {
    let depth = 0;
    for (let k = at; k < n; k++) {
      if (glob[k] === "\\") k++;
      else if (glob[k] === "{") depth++;
      else if (glob[k] === "}" && --depth === 0) return k;
    }
    return -1;
  };

  const hasTopLevelComma = (from: number, to: number): boolean => {
    let depth = 0;
    for (let k = from; k < to; k++) {
      if (glob[k] === "\\") k++;
      else if (glob[k] === "{") depth++;
      else if (glob[k] === "}") depth--;
      else if (glob[k] === "," && depth === 0) return true;
    }
    return false;
  };

  const expandRange = (a: string, b: string): string => {
    const numeric = /\d/.test(a);
    if (numeric !== /\d/.test(b)) throw new GlobError(`the range {${a}..${b}} mixes numbers and letters`);
    const from = numeric ? Number(a) : a.charCodeAt(0);
    const to = numeric ? Number(b) : b.charCodeAt(0);
    if (Math.abs(to - from) >= MAX_RANGE)
      throw new GlobError(`the range {${a}..${b}} has more than ${MAX_RANGE} values`);
    const values: string[] = [];
    const step = from <= to ? 1 : -1;
    for (let v = from; step > 0 ? v <= to : v >= to; v += step)
      values.push(quote(numeric ? String(v) : String.fromCharCode(v)));
    return `(?:${values.join("|")})`;
  };

  // `[…]` at `at`: a character class that never matches `/`, or null when there is no closing bracket.
  const bracket = (at: number): { regex: string; end: number } | null => {
    let k = at + 1;
    let negate = false;
    if (glob[k] === "!" || glob[k] === "^") {
      negate = true;
      k++;
    }
    let body = "";
    let first = true;
    let afterChar = false;
    while (k < n) {
      const c = glob[k]!;
      if (c === "]" && !first) return { regex: negate ? `[^/${body}]` : `[${body}]`, end: k + 1 };
      first = false;
      if (c === "[" && glob[k + 1] === ":") {
        const end = glob.indexOf(":]", k + 2);
        const name = end > 0 ? glob.slice(k + 2, end) : "";
        if (!POSIX_CLASSES.has(name)) return null;
        body += `[:${name}:]`;
        k = end + 2;
        afterChar = false;
        continue;
      }
      let ch = c;
      if (c === "\\" && k + 1 < n) {
        k++;
        ch = glob[k]!;
      }
      // A dash between two characters is a range (`a-z`); anywhere else it is itself.
      if (c === "-" && afterChar && glob[k + 1] !== "]" && k + 1 < n) {
        body += "-";
        afterChar = false;
      } else {
        body += /[A-Za-z0-9]/.test(ch) ? ch : `\\${ch}`;
        afterChar = true;
      }
      k++;
    }
    return null;
  };

  const body = sequence("");
  return body;
}

/**
 * Compiles a glob once; `test` then runs in time linear in its input. A glob that cannot be compiled comes
 * back with a message a policy author can act on.
 */
export function compileGlob(glob: string): CompiledGlob {
  const hit = compiled.get(glob);
  if (hit) return hit;
  const result = compile(glob);
  // A bounded cache: the same policy is evaluated again and again, and each glob compiles once.
  if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value as string);
  compiled.set(glob, result);
  return result;
}

const CACHE_SIZE = 2_000;
const compiled = new Map<string, CompiledGlob>();

function compile(glob: string): CompiledGlob {
  if (glob.length > MAX_GLOB_LENGTH)
    return {
      ok: false,
      message: `the glob is ${glob.length} characters long; at most ${MAX_GLOB_LENGTH} are accepted`,
    };
  let text = glob;
  let negated = false;
  while (text.startsWith("!") && text[1] !== "(") {
    negated = !negated;
    text = text.slice(1);
  }
  if (text.startsWith("./")) text = text.slice(2);
  let regex: string;
  try {
    regex = globToRegex(text);
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  const linear = backtracksLinearly(text);
  // Literal text, `*`, `?` and one `**`: a regular expression both engines read alike, so RE2 has nothing
  // to refuse and V8 matches it (compiling RE2 cost more than the matching on a small checkout).
  if (linear && !text.includes("[")) {
    const native = new RegExp(`^(?:${regex})$`);
    const test = (s: string): boolean => native.test(s);
    return { ok: true, test: negated ? (s) => !test(s) : test };
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(regex);
  } catch (e) {
    return {
      ok: false,
      message: `the glob ${JSON.stringify(glob)} is not valid (${e instanceof Error ? e.message.replace(/^error parsing regexp: /, "") : String(e)})`,
    };
  }
  const matches = linear ? nativeTest(regex, re) : (s: string): boolean => re.matches(s);
  return { ok: true, test: negated ? (s) => !matches(s) : matches };
}

/**
 * Whether V8's backtracking RegExp is safe for this glob: at most one `*` run per segment (each confined
 * between slashes), at most one `**` segment, no braces, groups or POSIX classes. Then a failed match costs
 * at most (slashes + 1) × length. The common globs (`**` followed by `*.test.ts`, `docs/*.md`) qualify and
 * match several times faster than with re2js; anything else goes through RE2.
 */
function backtracksLinearly(glob: string): boolean {
  if (/[{}()]|\[:/.test(glob)) return false;
  let globstars = 0;
  for (const segment of glob.split("/")) {
    if (segment === "**") globstars++;
    else if ((segment.match(/\*+/g)?.length ?? 0) > 1) return false;
  }
  return globstars <= 1;
}

function nativeTest(regex: string, re: RE2JS): (s: string) => boolean {
  try {
    const native = new RegExp(`^(?:${regex})$`);
    return (s) => native.test(s);
  } catch {
    return (s) => re.matches(s);
  }
}

/** Why a glob is refused, or null; for the policy loader, so it reports what matching would do. */
export function globProblem(glob: string): string | null {
  const c = compileGlob(glob);
  return c.ok ? null : c.message;
}

const NEVER = (): boolean => false;

/** A matcher for a glob; one that cannot be compiled matches nothing (the policy loader refuses it first). */
export function globMatcher(glob: string): (s: string) => boolean {
  const c = compileGlob(glob);
  return c.ok ? c.test : NEVER;
}

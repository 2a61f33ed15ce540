// The report as GitHub markdown: the check-run summary (renderMarkdown) and the sticky PR comment (renderComment).
// GitHub refuses a summary or comment over 65,535 characters, so output is held under a byte budget by
// rendering at falling levels of detail until one fits. Every user-provided string is escaped: a policy,
// a check summary or a waiver reason must not inject markup, links, HTML or @-mentions.
import type { CheckStatus, EvidenceLink } from "../checks/types.js";
import type { CheckReport, Report, Verdict, WaiverView } from "../engine/types.js";
import {
  type Baseline,
  bar,
  clip,
  fmtNumber,
  fmtScore,
  groupByCategory,
  headlineParts,
  isGateItem,
  levelText,
  NOT_PASSING,
  oneLine,
  rankedBlocking,
  targetLine,
  verdictScore,
  waiveLine,
} from "./common.js";

export const COMMENT_MARKER = "<!-- readiness-gate:status -->";
export const DEFAULT_MAX_BYTES = 65_535;
const JSON_HINT = "see `readiness check --format json`";

export interface MarkdownOptions {
  /** Upper bound on the UTF-8 byte length of the output. Default 65,535. */
  maxBytes?: number;
  /** The check run (or other page) with the full report. */
  detailsUrl?: string;
  /** Shown in the headline, e.g. the gate's check name. */
  title?: string;
  /** The base branch's score, for "+5.4 vs main". */
  baseline?: Baseline | null;
}

/** The comment's last line. */
export const HELP_POINTER =
  "Reply `/readiness help` to see the commands: waive, unwaive, sign off, re-check.";

const STATUS_EMOJI: Record<CheckStatus, string> = {
  pass: "✅",
  fail: "❌",
  waived: "☑️",
  skipped: "⏭️",
  pending: "⏳",
  unknown: "❓",
  error: "💥",
};
const VERDICT_EMOJI: Record<Verdict, string> = { go: "✅", "no-go": "❌", pending: "⏳" };

export const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

/**
 * User text as inert inline markdown: one line, HTML and markdown punctuation escaped, @-mentions defused
 * (a zero-width space after `@`), optionally clipped to `max` code points before escaping.
 */
export function escapeMarkdown(s: string, max?: number): string {
  let t = oneLine(s);
  if (max !== undefined) t = clip(t, max);
  return escapeInline(t);
}

function escapeInline(t: string): string {
  return t
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]#|~$]/g, "\\$&")
    .replace(/@/g, "@\u200b")
    .replace(/^[-+=]/, "\\$&")
    .replace(/^(\d+)([.)])/, "$1\\$2");
}

/** A command of ours a note names, kept as a code span; anything else in backticks is escaped like user text. */
const COMMAND_SPAN = /(`\/?readiness [A-Za-z0-9 ._/=:,-]{1,120}`)/;

/** A note: inert like user text (it may quote a path or a check id), but the commands it names stay code. */
function note(n: string, max: number): string {
  return clip(oneLine(n), max)
    .split(COMMAND_SPAN)
    .map((part, i) => (i % 2 === 1 ? part : escapeInline(part)))
    .join("");
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A check id in a code span when it is a plain id, else as escaped text. */
function code(id: string): string {
  return SAFE_ID.test(id) ? `\`${id}\`` : escapeMarkdown(id, 100);
}

/** http(s) URLs only, with the characters that could end a link destination percent-encoded. */
export function safeUrl(url: string | undefined): string | null {
  if (!url || !/^https?:\/\/[^\s]+$/i.test(url) || url.length > 2000) return null;
  return url.replace(
    /[()<>"'`|[\]\\]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

function link(label: string, url: string | undefined, max = 80): string {
  const text = escapeMarkdown(label, max) || "link";
  const href = safeUrl(url);
  return href ? `[${text}](${href})` : text;
}

/** Truncates to at most maxBytes of UTF-8 without splitting a character. Last resort only. */
function cutBytes(s: string, maxBytes: number): string {
  if (byteLength(s) <= maxBytes) return s;
  const buf = Buffer.from(s, "utf8");
  let end = Math.max(0, maxBytes);
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString("utf8");
}

function headline(report: Report, opts: MarkdownOptions, level = "##"): string {
  const name = opts.title ? `${escapeMarkdown(opts.title, 100)}: ` : "";
  return `${level} ${VERDICT_EMOJI[report.verdict]} ${name}${escapeMarkdown(verdictScore(report, opts.baseline), 200)}`;
}

/** Counts, level, target and (unless `when` is false) the evaluation time. */
function subline(report: Report, when = true): string {
  const level = levelText(report);
  const parts = [...headlineParts(report), ...(level ? [level] : [])];
  const counts = parts.length ? `**${parts.join(" · ")}** · ` : "";
  const at = when ? ` · evaluated ${escapeMarkdown(report.evaluatedAt, 40)}` : "";
  return `${counts}${escapeMarkdown(targetLine(report), 300)}${at}`;
}

/** How much detail a rendering level keeps. Levels fall until the output fits. */
interface Level {
  /** Summary and evidence for passing/skipped checks; false lists their titles only. */
  passingDetail: boolean;
  /** Longest summary kept, in code points. */
  summaryMax: number;
  details: boolean;
  evidenceMax: number;
  /** Which checks get a table row. */
  rows: "all" | "not-passing" | "none";
  /** Longest waiver reason / note kept. */
  textMax: number;
}

const LEVELS: Level[] = [
  { passingDetail: true, summaryMax: 1000, details: true, evidenceMax: 10, rows: "all", textMax: 1000 },
  { passingDetail: false, summaryMax: 1000, details: true, evidenceMax: 10, rows: "all", textMax: 1000 },
  { passingDetail: false, summaryMax: 200, details: false, evidenceMax: 3, rows: "all", textMax: 300 },
  { passingDetail: false, summaryMax: 100, details: false, evidenceMax: 1, rows: "all", textMax: 150 },
  {
    passingDetail: false,
    summaryMax: 100,
    details: false,
    evidenceMax: 1,
    rows: "not-passing",
    textMax: 150,
  },
  { passingDetail: false, summaryMax: 80, details: false, evidenceMax: 1, rows: "none", textMax: 100 },
];

/** Evidence with a page to open; a label without a link only repeats the summary. */
function evidenceText(evidence: EvidenceLink[] | undefined, max: number): string {
  const linked = (evidence ?? []).filter((e) => safeUrl(e.url) !== null);
  if (!linked.length || max <= 0) return "";
  const shown = linked.slice(0, max).map((e) => link(e.label, e.url));
  const more = linked.length > max ? ` (+${linked.length - max})` : "";
  return shown.join(" · ") + more;
}

function checkCell(report: Report, check: CheckReport, lv: Level): string {
  const passing = !NOT_PASSING.has(check.status) && check.status !== "waived";
  if (passing && !lv.passingDetail) return "";
  const parts = [escapeMarkdown(check.summary, lv.summaryMax)];
  if (lv.details && check.details?.length) {
    for (const d of check.details.slice(0, 20)) parts.push(`• ${escapeMarkdown(d, lv.summaryMax)}`);
    if (check.details.length > 20) parts.push(`• … ${check.details.length - 20} more`);
  }
  const ev = evidenceText(check.evidence, lv.evidenceMax);
  if (ev) parts.push(ev);
  if (check.status === "waived" && check.waiver) {
    parts.push(`waived: ${escapeMarkdown(check.waiver.reason, lv.textMax)}`);
  }
  if (check.fix && !passing && check.status !== "waived")
    parts.push(`**fix:** ${escapeMarkdown(check.fix, lv.summaryMax)}`);
  const waive = waiveLine(report, check);
  if (waive) parts.push(`or waive: ${waiveCode(waive)}`);
  return parts.filter(Boolean).join("<br>");
}

/** A waive line as a code span; check ids hold no backtick (schema), and the line no newline. */
const waiveCode = (line: string): string => `\`${line.replace(/`/g, "'")}\``;

function checkTitle(check: CheckReport): string {
  const title = escapeMarkdown(check.title, 120);
  const id = check.title === check.id ? "" : ` ${code(check.id)}`;
  return `**${title}**${id}${check.required ? (isGateItem(check) ? " · gate item (required, not scored)" : " · required") : ""}`;
}

interface ItemDetail {
  /** Longest summary kept; 0 leaves the summary out. */
  summaryMax: number;
  fixMax: number;
  evidenceMax: number;
}

function blockingItem(report: Report | null, check: CheckReport, d: ItemDetail | null): string {
  const cost = report && check.cost > 0 ? ` · costs ${fmtScore(check.cost)} points` : "";
  const head = `- ${STATUS_EMOJI[check.status]} ${checkTitle(check)}${cost}`;
  if (!d) return head;
  const summary = d.summaryMax > 0 ? escapeMarkdown(check.summary, d.summaryMax) : "";
  let out = summary ? `${head} — ${summary}` : head;
  const ev = evidenceText(check.evidence, d.evidenceMax);
  if (ev) out += ` · ${ev}`;
  if (check.fix && d.fixMax > 0) out += `\n  **fix:** ${escapeMarkdown(check.fix, d.fixMax)}`;
  const waive = report ? waiveLine(report, check) : null;
  if (waive) out += `\n  or waive: ${waiveCode(waive)}`;
  return out;
}

const itemDetail = (lv: Level): ItemDetail => ({
  summaryMax: lv.summaryMax,
  fixMax: lv.summaryMax,
  evidenceMax: lv.evidenceMax,
});

function categoryTable(report: Report): string[] {
  if (report.categories.length === 0) return [];
  const out = ["| Category | Score | | Weight | Checks |", "| --- | --- | ---: | ---: | ---: |"];
  for (const c of report.categories) {
    out.push(
      `| ${escapeMarkdown(c.title, 80)} | ${bar(c.score)} | ${c.score === null && c.checks > 0 ? "gate only" : fmtScore(c.score)} | ${fmtNumber(c.weight)} | ${c.checks} |`,
    );
  }
  return out;
}

const VERDICT_WORD: Record<Report["verdict"], string> = { go: "GO", "no-go": "NO-GO", pending: "pending" };

/** A repository path in a code span when it is plain, else as escaped text. */
const pathCode = (path: string): string =>
  /^[A-Za-z0-9._/-]+$/.test(path) ? `\`${path}\`` : escapeMarkdown(path, 200);

/** One row per project of a monorepo change; the root policy's own result is the headline's. */
function projectRows(report: Report): string[] {
  const projects = report.projects;
  if (!projects) return [];
  if (projects.length === 0) return ["No project is touched: the root policy alone decides."];
  const out = ["| Project | Verdict | Score | Policy |", "| --- | --- | --- | --- |"];
  for (const p of projects) {
    const score = p.score === null ? "not judged" : `${p.score} / ${p.minScore}`;
    out.push(
      `| ${pathCode(p.path)} | ${VERDICT_WORD[p.verdict]}${p.incomplete ? " (incomplete)" : ""} | ${score} | ${pathCode(p.policy)} |`,
    );
  }
  return out;
}

function waiverRows(waivers: WaiverView[], textMax: number): string[] {
  const out = ["| Check | Source | Who | Why | Until | State |", "| --- | --- | --- | --- | --- | --- |"];
  for (const w of waivers) {
    const check = w.url ? link(w.check, w.url, 100) : code(w.check);
    const who = w.approvedBy ? escapeMarkdown(w.approvedBy, 60) : "—";
    out.push(
      `| ${check} | ${w.source} | ${who} | ${escapeMarkdown(w.reason, textMax)} | ${escapeMarkdown(w.expires, 20)} | ${w.state} |`,
    );
  }
  return out;
}

function footer(report: Report, shown: number, detailsUrl: string | undefined): string[] {
  const out: string[] = [];
  const omitted = report.checks.length - shown;
  if (omitted > 0) out.push(`_${omitted} more checks omitted (${JSON_HINT})._`);
  const href = safeUrl(detailsUrl);
  if (href) out.push(`[Full report](${href})`);
  return out;
}

/** Lines that know their UTF-8 size, so a level that cannot fit stops early instead of building megabytes. */
class Bounded {
  readonly lines: string[] = [];
  private bytes = 0;
  constructor(private readonly max: number) {}
  /** False once the lines (joined by newlines, plus a final one) exceed the bound. */
  push(...lines: string[]): boolean {
    for (const l of lines) {
      this.lines.push(l);
      this.bytes += byteLength(l) + 1;
    }
    return this.bytes <= this.max;
  }
  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

/** The report at one level of detail, or null when it does not fit in maxBytes. */
function renderLevel(report: Report, opts: MarkdownOptions, lv: Level, maxBytes: number): string | null {
  const blocking = new Set(report.blocking);
  const out = new Bounded(maxBytes);
  if (!out.push(headline(report, opts), "", subline(report))) return null;
  const projects = projectRows(report);
  if (projects.length && !out.push("", "### Projects", "", ...projects)) return null;
  if (report.mode === "warn" && report.verdict !== "go") {
    out.push("", "> The gate is in **warn** mode: this result does not block.");
  }

  const blockers = rankedBlocking(report);
  if (blockers.length) {
    out.push("", "### What blocks", "");
    for (const c of blockers) if (!out.push(blockingItem(report, c, itemDetail(lv)))) return null;
  }

  const cats = categoryTable(report);
  if (cats.length && !out.push("", "### Categories", "", ...cats)) return null;

  // Checks in policy order, grouped by category; blocking checks are already listed above with their fix.
  let shown = blockers.length;
  if (lv.rows !== "none") {
    const ordered = groupByCategory(report).flatMap((g) => g.checks.map((c) => ({ c, cat: g.title })));
    const active = ordered.filter(
      ({ c }) => !blocking.has(c.id) && c.status !== "pass" && c.status !== "skipped",
    );
    const quiet = ordered.filter(({ c }) => c.status === "pass" || c.status === "skipped");
    const row = ({ c, cat }: { c: CheckReport; cat: string }) =>
      `| ${STATUS_EMOJI[c.status]} | ${checkTitle(c)} | ${escapeMarkdown(cat, 60)} | ${checkCell(report, c, lv)} |`;
    const head = ["| | Check | Category | Result |", "| --- | --- | --- | --- |"];
    if (active.length) {
      out.push("", blockers.length ? "### Other checks" : "### Checks", "", ...head);
      for (const x of active) if (!out.push(row(x))) return null;
      shown += active.length;
    }
    if (quiet.length && lv.rows === "all") {
      const passing = quiet.filter(({ c }) => c.status === "pass").length;
      const label = `${passing} passing, ${quiet.length - passing} skipped`;
      out.push("", `<details><summary>${label}</summary>`, "", ...head);
      for (const x of quiet) if (!out.push(row(x))) return null;
      out.push("", "</details>");
      shown += quiet.length;
    }
  }

  if (report.waivers.length) {
    const waivers = lv.rows === "none" ? report.waivers.filter((w) => w.state === "applied") : report.waivers;
    if (waivers.length) out.push("", "### Waivers", "", ...waiverRows(waivers, lv.textMax));
  }
  if (report.notes.length) {
    out.push("", "### Notes", "", ...report.notes.map((n) => `- ${note(n, lv.textMax)}`));
  }
  const foot = footer(report, shown, opts.detailsUrl);
  if (foot.length && !out.push("", ...foot)) return null;
  return out.push() ? out.text() : null;
}

/**
 * Last level: headline, blocking checks (titles only, as many as fit), then the categories, applied
 * waivers and notes while they fit. Always ends with the omitted-checks line.
 */
function renderMinimal(report: Report, opts: MarkdownOptions, maxBytes: number): string {
  const blockers = rankedBlocking(report);
  const projects = projectRows(report);
  const head = [
    headline(report, opts),
    "",
    subline(report),
    ...(projects.length ? ["", "### Projects", "", ...projects] : []),
  ];
  const href = safeUrl(opts.detailsUrl);
  const tail = (shown: number): string => {
    const lines = [
      "",
      `_${report.checks.length - shown} more checks omitted (${JSON_HINT})._`,
      ...(href ? [`[Full report](${href})`] : []),
    ];
    return `${lines.join("\n")}\n`;
  };
  // Reserve room for the longest tail (no check shown) so whatever is added below keeps the bound.
  let budget = maxBytes - byteLength(tail(0));
  let body = "";
  const add = (text: string): boolean => {
    const n = byteLength(text);
    if (n > budget) return false;
    body += text;
    budget -= n;
    return true;
  };
  if (!add(head.join("\n"))) return cutBytes(`${head[0]}\n${tail(0)}`, maxBytes);
  let shown = 0;
  if (blockers.length && add("\n\n### What blocks\n")) {
    // The whole blocking list at the most detail that fits; failing that, as many titles as fit.
    const variants: ItemDetail[] = [
      { summaryMax: 80, fixMax: 120, evidenceMax: 1 },
      { summaryMax: 40, fixMax: 80, evidenceMax: 0 },
      { summaryMax: 0, fixMax: 60, evidenceMax: 0 },
    ];
    const whole = variants
      .map((d) => blockers.map((c) => `\n${blockingItem(report, c, d)}`).join(""))
      .find((text) => byteLength(text) <= budget);
    if (whole !== undefined) {
      add(whole);
      shown = blockers.length;
    } else {
      for (const c of blockers) {
        if (!add(`\n${blockingItem(report, c, null)}`)) break;
        shown++;
      }
    }
  }
  const applied = report.waivers.filter((w) => w.state === "applied");
  const optional: [string, string[]][] = [
    ["### Categories", categoryTable(report)],
    ["### Waivers", applied.length ? waiverRows(applied, 100) : []],
    ["### Notes", report.notes.map((n) => `- ${note(n, 100)}`)],
  ];
  for (const [title, lines] of optional) if (lines.length) add(`\n\n${title}\n\n${lines.join("\n")}`);
  return `${body}\n${tail(shown)}`;
}

/** The check-run summary: everything that fits in `maxBytes` (default 65,535) UTF-8 bytes. */
export function renderMarkdown(report: Report, opts: MarkdownOptions = {}): string {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  for (const lv of LEVELS) {
    const text = renderLevel(report, opts, lv, maxBytes);
    if (text !== null) return text;
  }
  return cutBytes(renderMinimal(report, opts, maxBytes), maxBytes);
}

export interface CommentOptions {
  /** The check run with the full report. */
  detailsUrl?: string;
  title?: string;
  /** Default 65,535; GitHub's comment limit. */
  maxBytes?: number;
  /** The base branch's score, for "+5.4 vs main". */
  baseline?: Baseline | null;
}

/** A sign-off that counts: who and when (the summary), the link to the comment, the note and its term. */
function signoffItem(check: CheckReport, summaryMax: number): string {
  const notes = (check.details ?? []).slice(0, 3).map((d) => escapeMarkdown(d, summaryMax));
  return [blockingItem(null, check, { summaryMax, fixMax: 0, evidenceMax: 3 }), ...notes].join(" · ");
}

/**
 * The sticky PR comment: verdict, score, what blocks and how to fix it, waivers and sign-offs, a link to the
 * check run.
 */
export function renderComment(report: Report, opts: CommentOptions = {}): string {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const href = safeUrl(opts.detailsUrl);
  const blocking = new Set(report.blocking);
  const blockers = rankedBlocking(report);
  const others = report.checks
    .filter((c) => c.status === "fail" && !blocking.has(c.id))
    .sort((a, b) => b.cost - a.cost);
  const pending = report.checks.filter((c) => c.status === "pending");
  const applied = report.waivers.filter((w) => w.state === "applied" || w.state === "expired");
  const signedOff = report.checks.filter((c) => c.kind === "signoff" && c.status === "pass");

  const attempt = (limit: number, summaryMax: number): string => {
    // No evaluation time: the same result on the same commit gives the same body, so an update can be skipped.
    const out: string[] = [COMMENT_MARKER, headline(report, opts, "###"), "", subline(report, false)];
    if (report.mode === "warn" && report.verdict !== "go")
      out.push("", "> Warn mode: this result does not block.");
    const lv: Level = { ...LEVELS[3]!, summaryMax };
    if (blockers.length) {
      out.push("", "**What blocks**", "");
      for (const c of blockers.slice(0, limit)) out.push(blockingItem(report, c, itemDetail(lv)));
      if (blockers.length > limit) out.push(`- … and ${blockers.length - limit} more`);
    }
    if (others.length && limit > 0) {
      out.push("", "**Also failing** (costs points; not needed to reach GO)", "");
      for (const c of others.slice(0, limit))
        out.push(blockingItem(report, c, { ...itemDetail(lv), fixMax: 0 }));
      if (others.length > limit) out.push(`- … and ${others.length - limit} more`);
    }
    if (pending.length) {
      out.push("", "**Waiting for**", "");
      for (const c of pending.slice(0, limit)) out.push(`- ${STATUS_EMOJI.pending} ${checkTitle(c)}`);
      if (pending.length > limit) out.push(`- … and ${pending.length - limit} more`);
    }
    if (applied.length) {
      out.push("", "**Waivers**", "", ...waiverRows(applied.slice(0, limit), summaryMax));
      if (applied.length > limit) out.push("", `… and ${applied.length - limit} more waivers`);
    }
    if (signedOff.length && limit > 0) {
      out.push("", "**Sign-offs**", "", ...signedOff.slice(0, limit).map((c) => signoffItem(c, summaryMax)));
      if (signedOff.length > limit) out.push(`- … and ${signedOff.length - limit} more`);
    }
    out.push("", href ? `[Full report](${href})` : `Full report: ${JSON_HINT.replace(/^see /, "")}.`);
    out.push("", HELP_POINTER);
    return `${out.join("\n")}\n`;
  };
  for (const [limit, summaryMax] of [
    [10, 200],
    [5, 100],
    [3, 60],
    [0, 0],
  ] as const) {
    const text = attempt(limit, summaryMax);
    if (byteLength(text) <= maxBytes) return text;
  }
  return cutBytes(attempt(0, 0), maxBytes);
}

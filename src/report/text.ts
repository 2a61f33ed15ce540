// The report for a terminal. Pure; colour only when asked (the CLI asks when stdout is a TTY and NO_COLOR is unset).
import type { CheckStatus } from "../checks/types.js";
import type { Report, Verdict, WaiverView } from "../engine/types.js";
import {
  bar,
  fmtNumber,
  fmtScore,
  groupByCategory,
  headlineParts,
  isGateItem,
  levelText,
  oneLine,
  rankedBlocking,
  targetLine,
  VERDICT_LABEL,
  verdictScore,
} from "./common.js";

export interface TextOptions {
  color: boolean;
  /** Only checks that do not pass (fail, unknown, error, pending); categories without one are left out. */
  onlyFailing?: boolean;
  /** The verdict line alone. */
  quiet?: boolean;
}

const SETTLED: ReadonlySet<CheckStatus> = new Set(["pass", "skipped", "waived"]);

type Style = "bold" | "dim" | "red" | "green" | "yellow" | "cyan" | "magenta";
const SGR: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
  cyan: [36, 39],
};

const STATUS: Record<CheckStatus, { symbol: string; word: string; style: Style }> = {
  pass: { symbol: "✓", word: "pass", style: "green" },
  fail: { symbol: "✗", word: "FAIL", style: "red" },
  waived: { symbol: "~", word: "waived", style: "magenta" },
  skipped: { symbol: "-", word: "skipped", style: "dim" },
  pending: { symbol: "…", word: "pending", style: "yellow" },
  unknown: { symbol: "?", word: "UNKNOWN", style: "red" },
  error: { symbol: "!", word: "ERROR", style: "red" },
};

const VERDICT_STYLE: Record<Verdict, Style> = { go: "green", "no-go": "red", pending: "yellow" };

const MAX_DETAILS = 10;
const WORD_WIDTH = Math.max(...Object.values(STATUS).map((s) => s.word.length));

export function renderText(
  report: Report,
  { color, onlyFailing = false, quiet = false }: TextOptions,
): string {
  const paint = (text: string, ...styles: Style[]): string => {
    if (!color || text === "") return text;
    let out = text;
    for (const s of styles) out = `\u001b[${SGR[s][0]}m${out}\u001b[${SGR[s][1]}m`;
    return out;
  };
  const lines: string[] = [];
  const blocking = new Set(report.blocking);

  const label = VERDICT_LABEL[report.verdict];
  const level = levelText(report);
  const parts = [
    verdictScore(report).slice(label.length + 3),
    ...headlineParts(report),
    ...(level ? [level] : []),
  ];
  lines.push(`${paint(label, "bold", VERDICT_STYLE[report.verdict])} · ${parts.join(" · ")}`);
  if (quiet) return `${lines.join("\n")}\n`;
  lines.push(paint(`${oneLine(targetLine(report))} · evaluated ${report.evaluatedAt}`, "dim"));
  if (report.projects) {
    lines.push("", paint("Projects", "bold"));
    lines.push(
      `  ${paint(VERDICT_LABEL[report.verdict], VERDICT_STYLE[report.verdict])}  (root policy and every project: the most restrictive verdict)`,
    );
    if (report.projects.length === 0) lines.push(paint("  no project touched: the root policy alone", "dim"));
    for (const p of report.projects)
      lines.push(
        `  ${paint(VERDICT_LABEL[p.verdict], VERDICT_STYLE[p.verdict])}  ${oneLine(p.path)}  ${p.score === null ? "not judged" : `score ${fmtNumber(p.score)} / ${fmtNumber(p.minScore ?? 0)}`}${p.incomplete ? " (incomplete)" : ""}  ${paint(oneLine(p.policy), "dim")}`,
      );
  }

  const groups = groupByCategory(report)
    .map((g) => (onlyFailing ? { ...g, checks: g.checks.filter((c) => !SETTLED.has(c.status)) } : g))
    .filter((g) => !onlyFailing || g.checks.length > 0);
  const titleWidth = Math.max(15, ...groups.map((g) => Array.from(oneLine(g.title)).length));
  const indent = " ".repeat(2 + 2 + WORD_WIDTH + 1);
  for (const g of groups) {
    lines.push("");
    const title = oneLine(g.title);
    const pad = " ".repeat(titleWidth - Array.from(title).length);
    const score = g.category?.score ?? null;
    const barStyle: Style = score === null ? "dim" : score >= report.minScore ? "green" : "yellow";
    const weight = g.category ? `  (w ${fmtNumber(g.category.weight)})` : "";
    const none =
      score === null
        ? paint(g.category?.checks ? "  gate items only, not scored" : "  no applicable checks", "dim")
        : "";
    lines.push(
      `${paint(title, "bold")}${pad} ${paint(bar(score), barStyle)}  ${fmtScore(score).padStart(5)}${weight}${none}`,
    );
    for (const check of g.checks) {
      const st = STATUS[check.status];
      const flags: string[] = [];
      if (check.required) flags.push(isGateItem(check) ? "gate item: required, not scored" : "required");
      if (blocking.has(check.id)) flags.push(paint("BLOCKING", "bold", "red"));
      const word = paint(st.word.padEnd(WORD_WIDTH), st.style);
      const title = oneLine(check.title);
      const idNote = title === check.id ? "" : paint(` [${oneLine(check.id)}]`, "dim");
      lines.push(
        `  ${paint(st.symbol, st.style)} ${word} ${title}${idNote}${flags.length ? `  (${flags.join(", ")})` : ""}`,
      );
      const summary = oneLine(check.summary);
      if (summary) lines.push(`${indent}${check.status === "skipped" ? paint(summary, "dim") : summary}`);
      if (check.details?.length && check.status !== "pass" && check.status !== "skipped") {
        for (const d of check.details.slice(0, MAX_DETAILS)) lines.push(`${indent}  - ${oneLine(d)}`);
        if (check.details.length > MAX_DETAILS)
          lines.push(paint(`${indent}  … ${check.details.length - MAX_DETAILS} more`, "dim"));
      }
      if (check.waiver && check.status === "waived") {
        lines.push(`${indent}${paint(`waived: ${waiverText(check.waiver)}`, "magenta")}`);
      }
      // A blocking check's fix is in "What blocks" at the end.
      if (check.fix && !SETTLED.has(check.status) && !blocking.has(check.id)) {
        lines.push(`${indent}${paint("fix:", "bold")} ${oneLine(check.fix)}`);
      }
    }
  }

  if (report.waivers.length > 0 && !onlyFailing) {
    lines.push("", paint("Waivers", "bold"));
    const stateWidth = Math.max(...report.waivers.map((w) => w.state.length));
    for (const w of report.waivers) {
      const style: Style = w.state === "applied" ? "magenta" : w.state === "unused" ? "dim" : "yellow";
      lines.push(`  ${paint(w.state.padEnd(stateWidth), style)}  ${oneLine(w.check)}: ${waiverText(w)}`);
    }
  }

  if (report.notes.length > 0) {
    lines.push("", paint("Notes", "bold"));
    for (const n of report.notes) lines.push(`  • ${oneLine(n)}`);
  }

  // Last, where a terminal leaves the eye: what to do, the costliest first.
  const ranked = rankedBlocking(report);
  if (ranked.length > 0) {
    lines.push("", paint("What blocks", "bold"));
    const numWidth = String(ranked.length).length;
    ranked.forEach((check, i) => {
      const title = oneLine(check.title);
      const idNote = title === check.id ? "" : paint(` [${oneLine(check.id)}]`, "dim");
      const why: string[] = [STATUS[check.status].word.toLowerCase()];
      if (check.required) why.push("required");
      if (check.cost > 0) why.push(`costs ${fmtScore(check.cost)} points`);
      lines.push(`  ${String(i + 1).padStart(numWidth)}. ${title}${idNote}  (${why.join(", ")})`);
      const pad = " ".repeat(2 + numWidth + 2);
      lines.push(
        `${pad}${check.fix ? `${paint("fix:", "bold")} ${oneLine(check.fix)}` : oneLine(check.summary)}`,
      );
    });
  }
  return `${lines.join("\n")}\n`;
}

function waiverText(w: WaiverView): string {
  const by = w.approvedBy ? ` by ${oneLine(w.approvedBy)}` : "";
  return `${oneLine(w.reason)} (${w.source}${by}, until ${oneLine(w.expires)})`;
}

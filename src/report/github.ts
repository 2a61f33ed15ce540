// `--format github`: GitHub Actions workflow commands (::error / ::warning / ::notice), which the runner turns
// into annotations on the files and lines a check points at, then the verdict in one plain line.
// Escaping follows @actions/core (toolkit, command.ts): data escapes %, \r, \n; properties also : and ,.
import type { Report } from "../engine/types.js";
import { clip, fmtScore, headlineParts, oneLine, VERDICT_LABEL } from "./common.js";
import { actionable, type LocationOptions, levelOf, locationsOf } from "./locations.js";

export type GithubOptions = LocationOptions;

export const escapeData = (s: string): string =>
  s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");

export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

const COMMAND = { error: "error", warning: "warning", note: "notice" } as const;
const MAX_MESSAGE = 4000;

export function renderGithub(report: Report, opts: GithubOptions = {}): string {
  const lines: string[] = [];
  for (const check of actionable(report)) {
    const [where, ...more] = locationsOf(check, opts);
    const props: string[] = [];
    if (where) {
      props.push(`file=${escapeProperty(where.path)}`);
      if (where.line !== undefined) props.push(`line=${where.line}`);
    }
    props.push(`title=${escapeProperty(oneLine(`${check.title} (${check.id}): ${check.status}`))}`);
    let message = oneLine(check.summary);
    if (more.length > 0)
      message += ` (also ${more.map((l) => (l.line ? `${l.path}:${l.line}` : l.path)).join(", ")})`;
    if (check.fix) message += `\nFix: ${oneLine(check.fix)}`;
    lines.push(
      `::${COMMAND[levelOf(check, report)]} ${props.join(",")}::${escapeData(clip(message, MAX_MESSAGE))}`,
    );
  }
  const parts = headlineParts(report);
  const verdict = `Readiness ${VERDICT_LABEL[report.verdict]} · ${fmtScore(report.score)}/100 (needs ${report.minScore})${parts.length ? ` · ${parts.join(" · ")}` : ""}`;
  // The verdict as a notice too, so it shows on the run's summary page beside the annotations.
  lines.push(`::notice title=${escapeProperty("Readiness verdict")}::${escapeData(verdict)}`);
  // Plain lines never start with "::", so no text of a check can be read as a command.
  for (const note of report.notes) lines.push(`note: ${oneLine(note)}`);
  lines.push(verdict);
  return `${lines.join("\n")}\n`;
}

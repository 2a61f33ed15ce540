// The check run's verdict per check in a form a program can read back: one HTML comment (GitHub does not show
// it) at the end of the summary, `<!-- readiness:checks {"v":1,"checks":[[id,status,credit],…],"omitted":n} -->`.
// Bounded: checks past TRAILER_MAX_BYTES are counted in `omitted`, not listed. Check ids are letters, digits,
// '.', '_' and '-' (the schema), so no id can close the comment.
import type { Report } from "../engine/types.js";

export const TRAILER_MAX_BYTES = 8192;
const OPEN = "<!-- readiness:checks ";
const CLOSE = " -->";

export interface TrailerCheck {
  id: string;
  status: string;
  credit: number;
}

export function checksTrailer(report: Pick<Report, "checks">): string {
  const rows: string[] = [];
  let bytes = OPEN.length + CLOSE.length + 48;
  let omitted = 0;
  for (const c of report.checks) {
    const row = JSON.stringify([c.id, c.status, c.credit]);
    if (omitted > 0 || bytes + row.length + 1 > TRAILER_MAX_BYTES) {
      omitted++;
      continue;
    }
    rows.push(row);
    bytes += row.length + 1;
  }
  return `\n\n${OPEN}{"v":1,"checks":[${rows.join(",")}],"omitted":${omitted}}${CLOSE}`;
}

/** The checks a summary's trailer lists, or null when it has none (or not one this version wrote). */
export function readChecksTrailer(summary: string): { checks: TrailerCheck[]; omitted: number } | null {
  const start = summary.lastIndexOf(OPEN);
  if (start < 0) return null;
  const end = summary.indexOf(CLOSE, start);
  if (end < 0) return null;
  try {
    const data = JSON.parse(summary.slice(start + OPEN.length, end)) as {
      v?: unknown;
      checks?: unknown;
      omitted?: unknown;
    };
    if (data.v !== 1 || !Array.isArray(data.checks) || typeof data.omitted !== "number") return null;
    const checks: TrailerCheck[] = [];
    for (const row of data.checks) {
      if (!Array.isArray(row) || typeof row[0] !== "string" || typeof row[1] !== "string") return null;
      if (typeof row[2] !== "number") return null;
      checks.push({ id: row[0], status: row[1], credit: row[2] });
    }
    return { checks, omitted: data.omitted };
  } catch {
    return null;
  }
}

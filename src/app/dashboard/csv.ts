// CSV export of the repository list (RFC 4180). A cell a spreadsheet would run as a formula (=, +, -, @, tab,
// carriage return first) is prefixed with ' : a repository's topics or a team name must never become code.
import type { RepositorySummary } from "../../store/dashboard-types.js";

export const CSV_COLUMNS = [
  "repository",
  "owner",
  "teams",
  "verdict",
  "score",
  "min_score",
  "level",
  "blocking",
  "waivers_expiring_7d",
  "last_evaluated",
  "categories",
] as const;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (typeof value !== "number" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: (string | number | null | undefined)[]): string =>
  `${cells.map(csvCell).join(",")}\r\n`;

export const csvHeader = (): string => csvLine([...CSV_COLUMNS]);

export function csvRow(r: RepositorySummary): string {
  const l = r.latest;
  return csvLine([
    r.repository,
    r.owner,
    r.teams.join(" "),
    l?.verdict ?? "",
    l ? l.score : null,
    l ? l.minScore : null,
    l?.level ?? "",
    l ? l.blocking : null,
    r.waiversExpiringSoon,
    l ? l.evaluatedAt.toISOString() : "",
    r.categories.map((c) => `${c.id}=${c.score === null ? "unknown" : c.score}`).join(" "),
  ]);
}

// Pictures as inline SVG (no script, no external file): the 30-day sparkline, category bars, the score over
// time per category, and a failure-rate bar. Pure functions of their data.
import { h, type Raw } from "./html.js";

export const PALETTE = [
  "#0969da",
  "#8250df",
  "#bf3989",
  "#bc4c00",
  "#1a7f37",
  "#9a6700",
  "#1b7c83",
  "#57606a",
];

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/** Days since the epoch of a YYYY-MM-DD day. */
const dayNumber = (day: string) => Math.floor(Date.parse(`${day}T00:00:00Z`) / 86_400_000);

/** The last 30 days' scores, one point per day with an evaluation, the gate's minimum dashed. */
export function sparkline(
  points: { day: string; score: number }[],
  o: { today: string; minScore?: number | null; width?: number; height?: number },
): Raw {
  const w = o.width ?? 120;
  const ht = o.height ?? 28;
  const end = dayNumber(o.today);
  const x = (day: string) => ((dayNumber(day) - (end - 29)) / 29) * (w - 4) + 2;
  // The band the scores move in (with the minimum), at least 20 points tall: a change of a few points shows.
  const values = [...points.map((p) => p.score), ...(typeof o.minScore === "number" ? [o.minScore] : [])];
  let lo = Math.max(0, Math.min(...values, 100) - 5);
  let hi = Math.min(100, Math.max(...values, 0) + 5);
  if (hi - lo < 20) {
    const mid = (hi + lo) / 2;
    lo = Math.max(0, Math.min(mid - 10, 80));
    hi = lo + 20;
  }
  const y = (score: number) => ht - 2 - ((Math.max(lo, Math.min(hi, score)) - lo) / (hi - lo)) * (ht - 4);
  const label = points.length
    ? `score over 30 days: ${points.map((p) => `${p.day} ${fmt(p.score)}`).join(", ")}`
    : "no evaluation in 30 days";
  const inRange = points.filter((p) => dayNumber(p.day) > end - 30 && dayNumber(p.day) <= end);
  const min =
    o.minScore !== null && o.minScore !== undefined
      ? h`<line x1="0" x2="${w}" y1="${fmt(y(o.minScore))}" y2="${fmt(y(o.minScore))}" stroke="#d1d9e0" stroke-dasharray="3 2"/>`
      : "";
  const line =
    inRange.length > 1
      ? h`<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="${inRange.map((p) => `${fmt(x(p.day))},${fmt(y(p.score))}`).join(" ")}"/>`
      : "";
  const last = inRange.at(-1);
  const dot = last
    ? h`<circle cx="${fmt(x(last.day))}" cy="${fmt(y(last.score))}" r="2" fill="#0969da"/>`
    : "";
  return h`<svg class="spark" width="${w}" height="${ht}" viewBox="0 0 ${w} ${ht}" role="img" aria-label="${label}"><title>${label}</title>${min}${line}${dot}</svg>`;
}

const barColour = (score: number | null) =>
  score === null ? "#8c959f" : score >= 80 ? "#1a7f37" : score >= 50 ? "#9a6700" : "#cf222e";

/** One thin bar per category, its length the category's score. */
export function categoryBars(categories: { id: string; score: number | null; weight: number }[]): Raw {
  const w = 150;
  const row = 11;
  const ht = Math.max(1, categories.length) * row;
  const bars = categories.map((c, i) => {
    const len = c.score === null ? 0 : (Math.max(0, Math.min(100, c.score)) / 100) * (w - 78);
    const text = `${c.id}: ${c.score === null ? "unknown" : fmt(c.score)}`;
    return h`<g><title>${text}</title><text x="0" y="${i * row + 9}" font-size="9" fill="#59636e">${c.id.slice(0, 12)}</text><rect x="74" y="${i * row + 2}" width="${w - 78}" height="7" fill="#eaeef2"/><rect x="74" y="${i * row + 2}" width="${fmt(len)}" height="7" fill="${barColour(c.score)}"/></g>`;
  });
  return h`<svg width="${w}" height="${ht}" viewBox="0 0 ${w} ${ht}" role="img" aria-label="${categories.map((c) => `${c.id} ${c.score === null ? "unknown" : fmt(c.score)}`).join(", ")}">${bars}</svg>`;
}

/** Score over time, overall (thick) and per category, 0-100, with the gate's minimum dashed. */
export function seriesChart(
  series: { day: string; score: number; categories: Record<string, number | null> }[],
  o: { categories: string[]; minScore?: number | null; width?: number; height?: number },
): Raw {
  const w = o.width ?? 900;
  const ht = o.height ?? 240;
  const left = 34;
  const bottom = 22;
  const plotW = w - left - 10;
  const plotH = ht - bottom - 10;
  if (series.length === 0)
    return h`<svg width="${w}" height="60" role="img" aria-label="no evaluation in this period"><text x="10" y="30" fill="#59636e">No evaluation in this period.</text></svg>`;
  const first = dayNumber(series[0]!.day);
  const span = Math.max(1, dayNumber(series.at(-1)!.day) - first);
  const x = (day: string) => left + ((dayNumber(day) - first) / span) * plotW;
  const y = (s: number) => 10 + plotH - (Math.max(0, Math.min(100, s)) / 100) * plotH;
  const grid = [0, 25, 50, 75, 100].map(
    (v) =>
      h`<line x1="${left}" x2="${left + plotW}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" stroke="#eaeef2"/><text x="${left - 4}" y="${fmt(y(v) + 3)}" font-size="10" text-anchor="end" fill="#59636e">${v}</text>`,
  );
  const line = (values: { day: string; v: number | null }[], colour: string, width: number, name: string) => {
    // A day where the category was unknown breaks the line rather than dropping to 0.
    const runs: string[][] = [[]];
    for (const p of values) {
      if (p.v === null) runs.push([]);
      else runs.at(-1)!.push(`${fmt(x(p.day))},${fmt(y(p.v))}`);
    }
    return runs
      .filter((r) => r.length > 0)
      .map((r) =>
        r.length === 1
          ? h`<circle cx="${r[0]!.split(",")[0]!}" cy="${r[0]!.split(",")[1]!}" r="2" fill="${colour}"><title>${name}</title></circle>`
          : h`<polyline fill="none" stroke="${colour}" stroke-width="${width}" points="${r.join(" ")}"><title>${name}</title></polyline>`,
      );
  };
  const cats = o.categories.map((id, i) =>
    line(
      series.map((p) => ({ day: p.day, v: p.categories[id] ?? null })),
      PALETTE[i % PALETTE.length]!,
      1.5,
      id,
    ),
  );
  const overall = line(
    series.map((p) => ({ day: p.day, v: p.score })),
    "#1f2328",
    3,
    "score",
  );
  const min =
    o.minScore !== null && o.minScore !== undefined
      ? h`<line x1="${left}" x2="${left + plotW}" y1="${fmt(y(o.minScore))}" y2="${fmt(y(o.minScore))}" stroke="#cf222e" stroke-dasharray="4 3"><title>minimum score ${fmt(o.minScore)}</title></line>`
      : "";
  const labels = h`<text x="${left}" y="${ht - 6}" font-size="10" fill="#59636e">${series[0]!.day}</text><text x="${left + plotW}" y="${ht - 6}" font-size="10" text-anchor="end" fill="#59636e">${series.at(-1)!.day}</text>`;
  return h`<svg width="${w}" height="${ht}" viewBox="0 0 ${w} ${ht}" role="img" aria-label="score over time per category">${grid}${min}${cats}${overall}${labels}</svg>`;
}

/** A bar for a share (0..1). */
export function shareBar(share: number, width = 120): Raw {
  const len = Math.max(0, Math.min(1, share)) * width;
  return h`<svg width="${width}" height="10" viewBox="0 0 ${width} 10" aria-hidden="true"><rect width="${width}" height="10" fill="#eaeef2"/><rect width="${fmt(len)}" height="10" fill="#cf222e"/></svg>`;
}

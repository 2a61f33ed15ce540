// "Did you mean" for misspelt keys, ids and presets.

/** Optimal string alignment distance: Levenshtein plus swaps of adjacent letters (`wieght` → `weight` is 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `input`, when close enough to be a likely typo: at most a third of the input's
 * letters wrong (at least one), ignoring case. Ties go to the earlier candidate.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  if (input.length === 0 || input.length > 100) return undefined;
  const needle = input.toLowerCase();
  const limit = Math.max(1, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === input || Math.abs(candidate.length - input.length) > limit) continue;
    const d = editDistance(needle, candidate.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean "x"?)`, or nothing. */
export function suggestion(input: string, candidates: Iterable<string>): string {
  const s = didYouMean(input, candidates);
  return s === undefined ? "" : ` (did you mean ${JSON.stringify(s)}?)`;
}

/**
 * suggestion() with a budget of candidates compared, for one document: a large document with thousands of
 * unknown names must not cost thousands of scans of thousands of candidates. Small candidate lists (the
 * keys of an object) last for thousands of suggestions; a scan of every check id for a few dozen.
 */
export function suggester(budget = 200_000): (input: string, candidates: readonly string[]) => string {
  let left = budget;
  return (input, candidates) => {
    left -= candidates.length;
    return left >= 0 ? suggestion(input, candidates) : "";
  };
}

/**
 * Up to `limit` known names close to `input`, closest first (ties alphabetical). Case is ignored when measuring,
 * so `Runbook` suggests `runbook`; a name is close when at most a third of it (at least one edit) differs and
 * the input is not replaced wholesale.
 */
export function suggest(input: string, known: Iterable<string>, limit = 3): string[] {
  const needle = input.toLowerCase();
  // Bounded so a pathological comment cannot make the reply expensive.
  if (needle.length > 100) return [];
  const scored: { name: string; d: number }[] = [];
  for (const name of known) {
    if (name === input) continue;
    const d = editDistance(needle, name.toLowerCase());
    const allowed = Math.max(1, Math.floor(name.length / 3));
    if (d <= allowed && d < needle.length) scored.push({ name, d });
  }
  scored.sort((x, y) => x.d - y.d || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return scored.slice(0, limit).map((s) => s.name);
}

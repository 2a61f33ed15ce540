// "Did you mean": the closest known names by edit distance.

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur: number[] = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, prev2[j - 2]! + 1);
      cur.push(best);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
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

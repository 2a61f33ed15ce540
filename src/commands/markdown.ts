// Text people typed is only ever shown inside code spans, so a reply cannot mention, link or format with it.

const MAX_QUOTED = 200;

/** `text` as one inline code span, whatever backticks it holds, on one line and at most 200 characters. */
export function codeSpan(text: string): string {
  // No HTML comment survives quoting: the App finds its own comments by markers like <!-- readiness-gate:… -->.
  let t = text
    .replace(/[\r\n\u2028\u2029]+/g, " ")
    .replace(/<!--/g, "<!- -")
    .replace(/-->/g, "- ->");
  if ([...t].length > MAX_QUOTED) t = `${[...t].slice(0, MAX_QUOTED - 1).join("")}…`;
  const longestRun = Math.max(0, ...(t.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longestRun + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  return `${fence}${pad}${t}${pad}${fence}`;
}

// The dashboard's pages as HTML strings: pure functions of what the queries returned, the viewer and now.
import type { Page, RepositoryDetail, RepositorySummary, VerdictPoint } from "../../store/dashboard-types.js";
import { h, layout, link, pathWith, type Raw } from "./html.js";
import { type ListQuery, SORTS, VERDICTS } from "./query.js";
import { categoryBars, PALETTE, seriesChart, shareBar, sparkline } from "./svg.js";

/** Teams as GitHub writes them in CODEOWNERS: `@org/team` (the store keeps `org/team`). */
const teamList = (teams: string[]): string => teams.map((t) => (t.startsWith("@") ? t : `@${t}`)).join(" ");

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();
const day = (d: Date) => d.toISOString().slice(0, 10);

export function ago(then: Date, now: Date): string {
  const s = Math.round((now.getTime() - then.getTime()) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

const VERDICT_TEXT: Record<string, string> = { go: "GO", "no-go": "NO-GO", pending: "pending" };

export function badge(v: VerdictPoint | null): Raw {
  if (!v) return h`<span class="badge none">not evaluated</span>`;
  const incomplete = v.incomplete ? " (incomplete)" : "";
  return h`<span class="badge ${v.verdict}">${VERDICT_TEXT[v.verdict] ?? v.verdict}</span>${incomplete ? h`<span class="muted">${incomplete}</span>` : ""}`;
}

export const repoPath = (repository: string) =>
  `/dashboard/${repository
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/")}`;

export interface ListView {
  viewer: string;
  page: Page<RepositorySummary>;
  query: ListQuery;
  /** Owners among the readable repositories (the owner filter's choices). */
  owners: string[];
  readableCount: number;
  truncated: boolean;
  now: Date;
}

function filterForm(v: ListView): Raw {
  const q = v.query;
  const option = (value: string, text: string, current: string | undefined) =>
    h`<option value="${value}"${current === value ? h` selected` : ""}>${text}</option>`;
  return h`<form class="filters" method="get" action="/dashboard">
<label>Verdict<select name="verdict">${option("", "any", q.verdict ?? "")}${VERDICTS.map((x) => option(x, VERDICT_TEXT[x]!, q.verdict))}</select></label>
<label>Category below 100<input name="category" value="${q.category ?? ""}" size="12" maxlength="100"></label>
<label>Team<input name="team" value="${q.team ?? ""}" size="14" maxlength="100" placeholder="@org/team"></label>
<label>Owner<select name="owner">${option("", "any", q.owner ?? "")}${v.owners.map((o) => option(o, o, q.owner))}</select></label>
<label>Name contains<input name="q" value="${q.q ?? ""}" size="14" maxlength="100"></label>
<label>Sort<select name="sort">${SORTS.map((s) => option(s, s, q.sort ?? "repository"))}</select></label>
<label>Order<select name="order">${option("asc", "ascending", q.order ?? "asc")}${option("desc", "descending", q.order)}</select></label>
<button type="submit">Filter</button> <a href="/dashboard">clear</a>
</form>`;
}

function queryParams(q: ListQuery): Record<string, string | number | undefined> {
  return {
    verdict: q.verdict,
    category: q.category,
    team: q.team,
    owner: q.owner,
    q: q.q,
    sort: q.sort,
    order: q.order,
  };
}

function sortHeader(label: string, sort: (typeof SORTS)[number], q: ListQuery, cls = ""): Raw {
  const current = (q.sort ?? "repository") === sort;
  const order = current && (q.order ?? "asc") === "asc" ? "desc" : "asc";
  const arrow = current ? ((q.order ?? "asc") === "asc" ? " ▲" : " ▼") : "";
  return h`<th class="${cls}"><a href="${pathWith("/dashboard", { ...queryParams(q), sort, order })}">${label}${arrow}</a></th>`;
}

function row(r: RepositorySummary, now: Date): Raw {
  const l = r.latest;
  return h`<tr data-repository="${r.repository}">
<td><a href="${repoPath(r.repository)}">${r.repository}</a>${r.teams.length ? h`<div class="muted">${teamList(r.teams)}</div>` : ""}</td>
<td>${badge(l)}</td>
<td class="num">${l ? h`<b>${fmt(l.score)}</b><span class="muted">/${fmt(l.minScore)}</span>` : "–"}</td>
<td>${l?.level ?? ""}</td>
<td>${sparkline(r.sparkline, { today: day(now), minScore: l?.minScore ?? null })}</td>
<td>${categoryBars(r.categories)}</td>
<td class="num">${l ? (l.blocking ? h`<b>${l.blocking}</b>` : "0") : "–"}</td>
<td class="num">${r.waiversExpiringSoon ? h`<span class="warn">${r.waiversExpiringSoon}</span>` : "0"}</td>
<td>${l ? h`<span title="${l.evaluatedAt.toISOString()}">${ago(l.evaluatedAt, now)}</span>` : "never"}</td>
</tr>`;
}

export function listPage(v: ListView): string {
  const { page, query } = v;
  const pages = Math.max(1, Math.ceil(page.total / page.perPage));
  const nav = (n: number, text: string) =>
    h`<a href="${pathWith("/dashboard", { ...queryParams(query), page: n, per_page: query.perPage !== 50 ? query.perPage : undefined })}">${text}</a>`;
  const csv = pathWith("/api/v1/repositories.csv", queryParams(query));
  const body = h`<h1>Readiness across your repositories</h1>
<p class="muted">${page.total} of the ${v.readableCount} repositories you can read on GitHub match. <a href="${csv}">CSV</a> · <a href="${pathWith("/api/v1/repositories", { ...queryParams(query), page: page.page })}">JSON</a></p>
${v.truncated ? h`<p class="warn">GitHub listed more repositories than the dashboard reads at once; some are not shown.</p>` : ""}
${filterForm(v)}
<table><thead><tr>${sortHeader("Repository", "repository", query)}${sortHeader("Verdict", "verdict", query)}${sortHeader("Score", "score", query, "num")}<th>Level</th><th>30 days</th><th>Categories</th>${sortHeader("Blocking", "blocking", query, "num")}${sortHeader("Waivers ≤7 d", "expiring", query, "num")}${sortHeader("Last evaluated", "evaluated", query)}</tr></thead>
<tbody>${page.items.length ? page.items.map((r) => row(r, v.now)) : h`<tr><td colspan="9" class="muted">No repository matches.</td></tr>`}</tbody></table>
<nav class="pages">${page.page > 1 ? nav(page.page - 1, "← previous") : ""}<span>Page ${page.page} of ${pages}</span>${page.page < pages ? nav(page.page + 1, "next →") : ""}</nav>`;
  return layout({ title: "Readiness dashboard", viewer: v.viewer, body });
}

/** Timeline entries per page. */
export const TIMELINE_LIMIT = 50;

export interface DetailView {
  viewer: string;
  detail: RepositoryDetail;
  days: number;
  webUrl: string;
  now: Date;
}

function target(p: VerdictPoint, repository: string, webUrl: string): Raw {
  switch (p.targetKind) {
    case "pull_request":
    case "merge_group":
      return p.targetNumber !== null
        ? h`${p.targetKind === "merge_group" ? "merge queue " : ""}${link(`${webUrl}/${repository}/pull/${p.targetNumber}`, `#${p.targetNumber}`)}`
        : h`${p.targetKind}`;
    case "release":
      return h`release${p.targetNumber !== null ? h` ${p.targetNumber}` : ""}`;
    case "deployment":
      return h`deployment${p.environment ? h`: ${p.environment}` : ""}`;
    default:
      return h`default branch`;
  }
}

export function repositoryPage(v: DetailView): string {
  const d = v.detail;
  const s = d.summary;
  const l = s.latest;
  const categoryIds = s.categories.map((c) => c.id);
  for (const p of d.series)
    for (const id of Object.keys(p.categories)) if (!categoryIds.includes(id)) categoryIds.push(id);
  const swatch = (colour: string) =>
    h`<svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="${colour}"/></svg> `;
  const legend = h`<div class="legend"><span>${swatch("#1f2328")}score</span>${categoryIds.map((id, i) => h`<span>${swatch(PALETTE[i % PALETTE.length]!)}${id}</span>`)}<span>${swatch("#cf222e")}minimum</span></div>`;
  const timeline = d.timeline.map(
    (p) =>
      h`<tr><td title="${p.evaluatedAt.toISOString()}">${p.evaluatedAt.toISOString().slice(0, 16).replace("T", " ")}</td><td>${target(p, s.repository, v.webUrl)}</td><td><code>${p.sha.slice(0, 7)}</code></td><td>${badge(p)}</td><td class="num">${fmt(p.score)}</td><td class="num">${p.blocking}</td><td>${p.checkRunUrl ? link(p.checkRunUrl, "check run", ' class="check-run"') : h`<span class="muted">none</span>`}</td></tr>`,
  );
  const older = d.timeline.length ? d.timeline.at(-1)!.id : null;
  const body = h`<p><a href="/dashboard">← all repositories</a></p>
<h1>${link(`${v.webUrl}/${s.repository}`, s.repository)} ${badge(l)}</h1>
<div class="facts"><div><span class="muted">Score</span><b>${l ? h`${fmt(l.score)}<span class="muted">/${fmt(l.minScore)}</span>` : "–"}</b></div><div><span class="muted">Level</span><b>${l?.level ?? "–"}</b></div><div><span class="muted">Blocking</span><b>${l ? l.blocking : "–"}</b></div><div><span class="muted">Waivers expiring ≤7 d</span><b>${s.waiversExpiringSoon}</b></div><div><span class="muted">Teams</span><b>${teamList(s.teams) || "–"}</b></div><div><span class="muted">Last evaluated</span><b>${l ? ago(l.evaluatedAt, v.now) : "never"}</b></div></div>
<h2>Score over ${v.days} days, per category</h2>
${legend}
${seriesChart(d.series, { categories: categoryIds, minScore: l?.minScore ?? null })}
<h2>Current waivers</h2>
${
  d.waivers.length
    ? h`<table><thead><tr><th>Check</th><th>Why</th><th>Approved by</th><th>Until</th><th>Source</th></tr></thead><tbody>${d.waivers.map((w) => h`<tr><td><code>${w.check}</code></td><td>${w.reason}</td><td>${w.approvedBy ?? "–"}</td><td>${w.expires}</td><td>${w.url ? link(w.url, w.source) : w.source}</td></tr>`)}</tbody></table>`
    : h`<p class="muted">None.</p>`
}
<h2>Sign-offs</h2>
${
  d.signOffs.length
    ? h`<table><thead><tr><th>Check</th><th>By</th><th>At</th><th>Until</th><th>Record</th></tr></thead><tbody>${d.signOffs.map((o) => h`<tr><td><code>${o.check}</code></td><td>${o.by}</td><td>${o.at ?? "–"}</td><td>${o.until ? o.until.replace("T", " ").replace(/:00(\.000)?Z$/, " UTC") : "no expiry"}</td><td>${o.url ? link(o.url, "comment") : "–"}</td></tr>`)}</tbody></table>`
    : h`<p class="muted">None.</p>`
}
<h2>Checks that fail most often (${v.days} days)</h2>
${
  d.failingChecks.length
    ? h`<table><thead><tr><th>Check</th><th>Category</th><th class="num">Not passed</th><th></th></tr></thead><tbody>${d.failingChecks.map((c) => h`<tr><td><code>${c.check}</code></td><td>${c.category}</td><td class="num">${c.failures} of ${c.evaluations}</td><td>${shareBar(c.evaluations ? c.failures / c.evaluations : 0)}</td></tr>`)}</tbody></table>`
    : h`<p class="muted">No check failed in this period.</p>`
}
<h2>Timeline</h2>
<table><thead><tr><th>When (UTC)</th><th>Target</th><th>Commit</th><th>Verdict</th><th class="num">Score</th><th class="num">Blocking</th><th>Check run</th></tr></thead>
<tbody>${timeline.length ? timeline : h`<tr><td colspan="7" class="muted">No evaluation yet.</td></tr>`}</tbody></table>
${older !== null && d.timeline.length >= TIMELINE_LIMIT ? h`<nav class="pages"><a href="${pathWith(repoPath(s.repository), { days: v.days, before: older })}">older →</a></nav>` : ""}`;
  return layout({ title: `${s.repository} · readiness`, viewer: v.viewer, body });
}

export function messagePage(o: { title: string; message: string; viewer?: string; action?: Raw }): string {
  return layout({
    title: o.title,
    ...(o.viewer ? { viewer: o.viewer } : {}),
    body: h`<h1>${o.title}</h1><p>${o.message}</p>${o.action ?? ""}`,
  });
}

// Check runs, commit statuses, releases, branch rules and pull request files.
import {
  type BranchRules,
  type CheckRunSummary,
  type CommitStatus,
  type Fact,
  known,
  type PullRequestFacts,
  type Release,
  type Target,
  unknown,
} from "../types.js";
import { explain, PERMISSIONS } from "./failure.js";
import { at, type RepoScope } from "./scope.js";

export async function fetchCheckRuns(s: RepoScope): Promise<Fact<CheckRunSummary[]>> {
  type Raw = {
    name: string;
    status: string;
    conclusion: string | null;
    html_url?: string | null;
    completed_at?: string | null;
    app?: { slug?: string } | null;
  };
  const paged = await s.reader.pages<Raw>(
    "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
    { ...at(s), ref: s.sha, per_page: 100 },
    s.limits.listPages,
    (d) => (d as { check_runs?: Raw[] }).check_runs ?? [],
  );
  if (!paged.ok) return unknown(explain(paged.failure, "check runs of the commit", PERMISSIONS.checks));
  return known(
    paged.items.map((r) => {
      const run: CheckRunSummary = { name: r.name, status: r.status, conclusion: r.conclusion ?? null };
      if (r.html_url) run.url = r.html_url;
      if (r.app?.slug) run.app = r.app.slug;
      if (r.completed_at !== undefined) run.completedAt = r.completed_at;
      return run;
    }),
  );
}

/**
 * The commit's statuses. The combined status (one request) shows only the newest per context and not who
 * posted it; `creators` reads the full list instead (newest first, with each creator), which a status check
 * pinned to a creator needs: otherwise anyone's later status of that context would hide the pinned one.
 */
export async function fetchStatuses(s: RepoScope, creators = false): Promise<Fact<CommitStatus[]>> {
  type Raw = {
    context: string;
    state: string;
    target_url?: string | null;
    updated_at?: string;
    creator?: { login?: string } | null;
  };
  const paged = creators
    ? await s.reader.pages<Raw>(
        "GET /repos/{owner}/{repo}/commits/{ref}/statuses",
        { ...at(s), ref: s.sha, per_page: 100 },
        s.limits.listPages,
        (d) => (Array.isArray(d) ? (d as Raw[]) : []),
      )
    : await s.reader.pages<Raw>(
        "GET /repos/{owner}/{repo}/commits/{ref}/status",
        { ...at(s), ref: s.sha, per_page: 100 },
        s.limits.listPages,
        (d) => (d as { statuses?: Raw[] }).statuses ?? [],
      );
  if (!paged.ok) return unknown(explain(paged.failure, "commit statuses", PERMISSIONS.statuses));
  return known(
    paged.items.map((r) => {
      const status: CommitStatus = { context: r.context, state: r.state };
      if (r.target_url) status.url = r.target_url;
      if (r.updated_at) status.updatedAt = r.updated_at;
      if (r.creator?.login) status.creator = r.creator.login;
      return status;
    }),
  );
}

interface RawRelease {
  tag_name: string;
  name?: string | null;
  draft: boolean;
  prerelease: boolean;
  html_url?: string;
  target_commitish?: string;
  assets?: { name: string; size: number; browser_download_url?: string }[];
}

function toRelease(r: RawRelease): Release {
  const release: Release = {
    tag: r.tag_name,
    draft: r.draft,
    prerelease: r.prerelease,
    assets: (r.assets ?? []).map((a) =>
      a.browser_download_url
        ? { name: a.name, size: a.size, url: a.browser_download_url }
        : { name: a.name, size: a.size },
    ),
  };
  if (r.name) release.name = r.name;
  if (r.html_url) release.url = r.html_url;
  return release;
}

/**
 * The release being evaluated. With `target.release`: by id (drafts have no tag URL yet), else by tag.
 * Otherwise (a deployment) the release of the deployed commit, in at most four requests:
 * 1. the release tagged `target.ref`, when the deployment names a ref;
 * 2. the newest `limits.releasesListed` releases, matched by `target_commitish` = the commit SHA;
 * 3. one page of 100 tags, matched by the commit they point at, then that tag's release.
 * A release older than those windows is not found: null, and the check says no release has the assets.
 */
export async function fetchRelease(s: RepoScope, target: Target): Promise<Fact<Release | null>> {
  const subject = "release";
  const byTag = async (tag: string): Promise<Fact<Release | null>> => {
    const reply = await s.reader.get<RawRelease>("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      ...at(s),
      tag,
    });
    if (reply.ok) return known(toRelease(reply.data));
    if (reply.failure.status === 404) return known(null);
    return unknown(explain(reply.failure, `${subject} ${tag}`, PERMISSIONS.contents));
  };

  if (target.release) {
    if (target.release.id !== undefined) {
      const reply = await s.reader.get<RawRelease>("GET /repos/{owner}/{repo}/releases/{release_id}", {
        ...at(s),
        release_id: target.release.id,
      });
      if (reply.ok) return known(toRelease(reply.data));
      if (reply.failure.status !== 404) return unknown(explain(reply.failure, subject, PERMISSIONS.contents));
    }
    return byTag(target.release.tag);
  }

  if (target.ref && target.ref !== target.repository?.defaultBranch) {
    const tagged = await byTag(target.ref.replace(/^refs\/tags\//, ""));
    if (tagged.state !== "ok" || tagged.value) return tagged;
  }
  const listed = await s.reader.get<RawRelease[]>("GET /repos/{owner}/{repo}/releases", {
    ...at(s),
    per_page: s.limits.releasesListed,
  });
  if (!listed.ok) return unknown(explain(listed.failure, subject, PERMISSIONS.contents));
  const releases = Array.isArray(listed.data) ? listed.data : [];
  const direct = releases.find((r) => r.target_commitish === s.sha);
  if (direct) return known(toRelease(direct));

  const tags = await s.reader.get<{ name: string; commit: { sha: string } }[]>(
    "GET /repos/{owner}/{repo}/tags",
    {
      ...at(s),
      per_page: 100,
    },
  );
  if (!tags.ok) return unknown(explain(tags.failure, `${subject} (tags)`, PERMISSIONS.contents));
  const names = (Array.isArray(tags.data) ? tags.data : [])
    .filter((t) => t.commit?.sha === s.sha)
    .map((t) => t.name);
  if (names.length === 0) return known(null);
  const among = releases.find((r) => names.includes(r.tag_name));
  if (among) return known(toRelease(among));
  return byTag(names[0]!);
}

/**
 * Required checks and reviews for a branch: active rulesets (`rules/branches`, readable with Metadata) plus
 * the required status checks of classic branch protection as `GET /branches/{b}` shows them without
 * Administration. Classic protection's required review count is only visible with Administration: read,
 * which this app does not ask for, so reviews come from rulesets only.
 */
export async function fetchBranchRules(s: RepoScope, branch: string): Promise<Fact<BranchRules>> {
  type Rule = {
    type: string;
    parameters?: {
      required_status_checks?: { context: string }[];
      required_approving_review_count?: number;
    };
  };
  type Branch = {
    protected?: boolean;
    protection?: { required_status_checks?: { contexts?: string[]; checks?: { context: string }[] } | null };
  };
  const subject = `rules of branch ${branch}`;
  const [rules, classic] = await Promise.all([
    s.reader.pages<Rule>(
      "GET /repos/{owner}/{repo}/rules/branches/{branch}",
      { ...at(s), branch, per_page: 100 },
      s.limits.listPages,
      (d) => (Array.isArray(d) ? (d as Rule[]) : []),
    ),
    s.reader.get<Branch>("GET /repos/{owner}/{repo}/branches/{branch}", { ...at(s), branch }),
  ]);
  if (!classic.ok && classic.failure.status === 404)
    return unknown(`${subject}: ${s.owner}/${s.repo} has no branch ${branch}`);
  if (!rules.ok) return unknown(explain(rules.failure, subject, PERMISSIONS.metadata));
  const checks = new Set<string>();
  let reviews = 0;
  for (const rule of rules.items) {
    if (rule.type === "required_status_checks")
      for (const c of rule.parameters?.required_status_checks ?? []) checks.add(c.context);
    if (rule.type === "pull_request")
      reviews = Math.max(reviews, rule.parameters?.required_approving_review_count ?? 0);
  }
  if (classic.ok) {
    const required = classic.data.protection?.required_status_checks;
    for (const c of required?.contexts ?? []) checks.add(c);
    for (const c of required?.checks ?? []) checks.add(c.context);
  } else {
    // The branch summary could not be read (404 was handled above): its classic protection may require more,
    // so the rules are not known in full. Fail closed rather than judge on rulesets alone.
    return unknown(explain(classic.failure, subject, PERMISSIONS.metadata));
  }
  return known({ branch, requiredChecks: [...checks].sort(), requiredReviews: reviews });
}

/**
 * Labels come from the target (the event that started the evaluation carries them, fresher than any
 * listing); changed files from `pulls/{n}/files`, all pages up to GitHub's own limit of 3000 files.
 * The title is not fetched (no check reads it): it is "".
 */
export async function fetchPullRequest(s: RepoScope, target: Target): Promise<Fact<PullRequestFacts | null>> {
  const pr = target.pullRequest;
  if (!pr) return known(null);
  const paged = await s.reader.pages<{ filename: string }>(
    "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
    { ...at(s), pull_number: pr.number, per_page: 100 },
    s.limits.prFilePages,
    (d) => (Array.isArray(d) ? (d as { filename: string }[]) : []),
  );
  if (!paged.ok)
    return unknown(explain(paged.failure, `files of pull request #${pr.number}`, PERMISSIONS.pullRequests));
  const facts: PullRequestFacts = {
    number: pr.number,
    title: "",
    labels: [...pr.labels],
    changedFiles: paged.items.map((f) => f.filename),
    changedFilesTruncated: paged.truncated || paged.items.length >= 3000,
  };
  if (pr.author) facts.author = pr.author;
  if (pr.url) facts.url = pr.url;
  return known(facts);
}

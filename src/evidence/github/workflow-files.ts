// Which workflow files the evaluated commit changed against its trusted reference (the workflowChanges need).
//
// A `pull_request` run executes the pull request's own copy of the workflow file, so a PR that rewrites
// `ci.yml` to `exit 0` (or to write any coverage figure) would pass its own gate. The rule: a run of a workflow
// file whose blob at the evaluated commit differs from the reference's is not evidence. The reference is
// what only maintainers can write: the base branch of a pull request; for a release or a deployment, the
// default branch (a commit already on the default branch passes whatever its files, so a rollback to an older
// commit still counts its runs).
//
// Cost: the commit's side comes from the tree the file checks fetch anyway (else one directory listing at the
// commit's SHA, immutable, so the ETag cache keeps it for good); the reference's side is one directory listing
// (`contents/.github/workflows?ref=main`), a 304 until a workflow changes there. A release or deployment whose
// files differ pays one compare more, to see whether the commit is on the default branch. Not a GraphQL field
// (`object(expression:)`): this is a need of the engine's first round and the evaluation's query goes out in
// its second, so it would be a query of its own; and a branch's answer cannot be kept by SHA, so warm it would
// be a charged query where this listing is a free 304.
import { type Fact, known, type Target, unknown, type WorkflowChanges } from "../types.js";
import { explain, PERMISSIONS } from "./failure.js";
import type { Tree } from "./files.js";
import { at, type RepoScope } from "./scope.js";

const DIR = ".github/workflows";
/** GitHub runs only the files directly in .github/workflows. */
const isWorkflowFile = (path: string) =>
  path.startsWith(`${DIR}/`) && !path.slice(DIR.length + 1).includes("/");

type Listing = Fact<Map<string, string>>;

/** Path → blob SHA of the workflow files at `ref` (a SHA or a branch; undefined: the default branch). */
async function listWorkflows(s: RepoScope, ref: string | undefined, what: string): Promise<Listing> {
  const reply = await s.reader.get<unknown>("GET /repos/{owner}/{repo}/contents/{path}", {
    ...at(s),
    path: DIR,
    ...(ref !== undefined ? { ref } : {}),
  });
  if (!reply.ok) {
    // No such directory (or, for a branch, no such branch: then nothing there is trusted either).
    if (reply.failure.status === 404) return known(new Map());
    return unknown(explain(reply.failure, `workflow files of ${what}`, PERMISSIONS.contents));
  }
  const out = new Map<string, string>();
  if (!Array.isArray(reply.data)) return known(out);
  for (const e of reply.data as { path?: string; sha?: string; type?: string }[]) {
    if (e.type === "file" && e.path && e.sha && isWorkflowFile(e.path)) out.set(e.path, e.sha);
  }
  return known(out);
}

async function ofCommit(s: RepoScope, tree: Promise<Fact<Tree>> | undefined): Promise<Listing> {
  const t = tree ? await tree : undefined;
  if (t?.state === "ok" && !t.value.truncated) {
    const out = new Map<string, string>();
    for (const [path, blob] of t.value.blobs) if (isWorkflowFile(path)) out.set(path, blob.sha);
    return known(out);
  }
  return listWorkflows(s, s.sha, `commit ${s.sha.slice(0, 7)}`);
}

/** Is the evaluated commit on `branch` (reachable from its head)? */
async function onBranch(s: RepoScope, branch: string | undefined): Promise<boolean> {
  const reply = await s.reader.get<{ status?: string }>("GET /repos/{owner}/{repo}/compare/{basehead}", {
    ...at(s),
    basehead: `${branch ?? "HEAD"}...${s.sha}`,
    per_page: 1,
  });
  return reply.ok && ["behind", "identical"].includes(reply.data.status ?? "");
}

export async function fetchWorkflowChanges(
  s: RepoScope,
  target: Target,
  tree: Promise<Fact<Tree>> | undefined,
): Promise<Fact<WorkflowChanges>> {
  if (target.context === "local") return known({ base: null, changed: [] });
  const pr = target.context === "pull_request";
  const ref = pr ? target.pullRequest?.baseRef : target.repository?.defaultBranch;
  if (pr && ref === undefined)
    return unknown("the pull request's base branch is not known, so its workflow files cannot be compared");
  const label = ref ?? "the default branch";
  const [mine, theirs] = await Promise.all([ofCommit(s, tree), listWorkflows(s, ref, label)]);
  if (mine.state !== "ok") return mine;
  if (theirs.state !== "ok") return theirs;
  const changed = [...mine.value]
    .filter(([path, sha]) => theirs.value.get(path) !== sha)
    .map(([path]) => path)
    .sort();
  if (changed.length > 0 && !pr && (await onBranch(s, ref))) {
    return known({ base: label, changed: [], note: `the commit is on ${label}` });
  }
  return known({ base: label, changed });
}

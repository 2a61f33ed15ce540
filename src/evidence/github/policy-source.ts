// Which .readiness.yml applies to a repository, and reading the files `extends: owner/repo:path` names.
//
// Lookup order, first found wins (4 requests at most, each a 404 when absent):
//   1. <owner>/<repo>   .readiness.yml           at `ref`
//   2. <owner>/<repo>   .github/readiness.yml    at `ref`
//   3. <owner>/.github  .readiness.yml           on its default branch
//   4. <owner>/.github  .github/readiness.yml    on its default branch
// The organisation's `.github` repository is searched at the same two paths as the repository itself, so
// a file moved between them keeps working; it is skipped when the repository IS `.github`. An app installed
// on selected repositories cannot see `.github`: its 403/404 counts as "no policy there".
// The caller chooses `ref`: for a pull request the App passes the BASE ref, never the head, so a change
// cannot loosen the gate it is judged by.
import { createHash } from "node:crypto";
import { explain, type Failure, PERMISSIONS, toFailure } from "./failure.js";
import type { GitHubOctokit } from "./octokit.js";

export const POLICY_FILES = [".readiness.yml", ".github/readiness.yml"] as const;
export const ORG_POLICY_REPO = ".github";

export interface PolicySource {
  text: string;
  /** Path of the file inside the repository that holds it. */
  path: string;
  /** `owner/name` of the repository it was found in. */
  repo: string;
  /** The ref it was read at; absent for the organisation repository's default branch. */
  ref?: string;
}

export interface RemoteRef {
  owner: string;
  repo: string;
  path: string;
  ref?: string;
}

/** Reads one file for `extends`; null when it does not exist (or the app may not see it). Throws otherwise. */
export type FetchRemote = (ref: RemoteRef) => Promise<string | null>;

/** A lookup that failed for a reason other than absence: the App reports it rather than staying silent. */
export class PolicySourceError extends Error {
  override readonly name = "PolicySourceError";
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

type Reader = Pick<GitHubOctokit, "request">;

type Read = { found: true; text: string } | { found: false } | { failed: Failure };

async function readFile(octokit: Reader, where: RemoteRef): Promise<Read> {
  try {
    const response = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner: where.owner,
      repo: where.repo,
      path: where.path,
      ...(where.ref ? { ref: where.ref } : {}),
      headers: { accept: "application/vnd.github.raw+json" },
    });
    const data: unknown = response.data;
    if (typeof data === "string") return { found: true, text: data };
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      const bytes =
        data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      return { found: true, text: new TextDecoder().decode(bytes) };
    }
    // A directory (its listing) or a submodule: not a policy file.
    return { found: false };
  } catch (error) {
    const failure = toFailure(error);
    if (failure.status === 404) return { found: false };
    return { failed: failure };
  }
}

function fail(where: RemoteRef, failure: Failure): never {
  const at = `${where.owner}/${where.repo}:${where.path}${where.ref ? `@${where.ref}` : ""}`;
  throw new PolicySourceError(explain(failure, `reading ${at}`, PERMISSIONS.contents), failure.status);
}

/**
 * The policy for `owner/repo` at `ref`, or null when there is none anywhere (the App then stays silent).
 * `localOnly`: look in the repository itself, not the organisation's `.github` repository.
 */
export async function findPolicy(
  octokit: Reader,
  { owner, repo, ref, localOnly = false }: { owner: string; repo: string; ref?: string; localOnly?: boolean },
): Promise<PolicySource | null> {
  for (const path of POLICY_FILES) {
    const where: RemoteRef = ref ? { owner, repo, path, ref } : { owner, repo, path };
    const read = await readFile(octokit, where);
    if ("failed" in read) fail(where, read.failed);
    if (read.found)
      return ref
        ? { text: read.text, path, repo: `${owner}/${repo}`, ref }
        : { text: read.text, path, repo: `${owner}/${repo}` };
  }
  if (localOnly || repo.toLowerCase() === ORG_POLICY_REPO) return null;
  for (const path of POLICY_FILES) {
    const where: RemoteRef = { owner, repo: ORG_POLICY_REPO, path };
    const read = await readFile(octokit, where);
    if ("failed" in read) {
      if (read.failed.status === 403) return null;
      fail(where, read.failed);
    }
    if (read.found) return { text: read.text, path, repo: `${owner}/${ORG_POLICY_REPO}` };
  }
  return null;
}

/** The `fetchRemote` callback of the policy loader, for `extends: owner/repo:path[@ref]`. */
/**
 * `strict`: only a 404 is "no such file"; a refusal (403) fails too. A project's policy that could not be read
 * must not read as "this directory has no project" (a false GO), whereas an `extends` of a repository the App
 * may not read is reported as absent.
 */
export function remoteFetcher(octokit: Reader, o: { strict?: boolean } = {}): FetchRemote {
  return async (where) => {
    const read = await readFile(octokit, where);
    if ("failed" in read) {
      if (!o.strict && read.failed.status === 403 && !/rate limit/i.test(read.failed.message)) return null;
      fail(where, read.failed);
    }
    return read.found ? read.text : null;
  };
}

/** Git's id of a blob with this text (as UTF-8): equal ids, equal bytes. */
function blobId(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

interface TreeReply {
  truncated?: boolean;
  tree?: { path?: string; type?: string; mode?: string; sha?: string }[];
}

/**
 * The policy file commit `sha` carries in the repository itself (findPolicy with `localOnly`), or null when it
 * has none, or the same file as `same` (same path, same bytes). The commit's tree tells both without reading
 * the file; the evidence reads that same tree for its file checks (content-addressed: the ETag cache, or the
 * request already under way, answers the second). A tree GitHub cut short, a link, or a failed tree read:
 * the file is read as before.
 */
export async function findChangedPolicy(
  octokit: Reader,
  { owner, repo, sha }: { owner: string; repo: string; sha: string },
  same?: { path: string; text: string },
): Promise<PolicySource | null> {
  let tree: TreeReply | undefined;
  try {
    const reply = await octokit.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
      owner,
      repo,
      tree_sha: sha,
      recursive: "1",
    });
    tree = reply.data as TreeReply;
  } catch {
    // Read the file instead: its failure, if any, is the one reported.
  }
  if (tree && tree.truncated !== true && Array.isArray(tree.tree)) {
    const entries = new Map(tree.tree.map((e) => [e.path, e]));
    const path = POLICY_FILES.find((p) => entries.get(p)?.type === "blob");
    const entry = path ? entries.get(path) : undefined;
    if (!entry) return null;
    const plain = entry.mode === "100644" || entry.mode === "100755";
    if (plain && same && same.path === path && entry.sha === blobId(same.text)) return null;
  }
  const found = await findPolicy(octokit, { owner, repo, ref: sha, localOnly: true });
  if (!found || (same && same.path === found.path && same.text === found.text)) return null;
  return found;
}

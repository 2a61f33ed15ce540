// Which policy applies: found at a ref (repository root, .github/, then the organisation's .github repository),
// loaded and validated. A pull request always asks with its BASE ref, releases and deployments with the
// default branch, so no change under evaluation can loosen its own gate.
import { findChangedPolicy, findPolicy, remoteFetcher } from "../evidence/github/policy-source.js";
import { formatPolicyError, type PolicyError } from "../policy/errors.js";
import { loadPolicy, type References, remoteReferences, validatePolicy } from "../policy/load.js";
import type { Policy } from "../policy/schema.js";
import type { AppOctokit } from "./octokit.js";

export interface PolicySource {
  text: string;
  /** Path of the file inside the repository that holds it. */
  path: string;
  /** `owner/name` of the repository it was found in (the organisation's .github repository, maybe). */
  repo: string;
  ref?: string;
}

export type PolicyLookup =
  | { state: "none" }
  | { state: "invalid"; source: PolicySource; errors: PolicyError[] }
  | { state: "ok"; source: PolicySource; policy: Policy; warnings: string[] };

export interface RepoRef {
  owner: string;
  repo: string;
}

type Gh = Parameters<typeof findPolicy>[0];

function sourceOf(found: NonNullable<Awaited<ReturnType<typeof findPolicy>>>, loc: RepoRef): PolicySource {
  const repo = (found as { repo?: unknown }).repo;
  const name =
    typeof repo === "string"
      ? repo
      : repo && typeof repo === "object" && "owner" in repo && "repo" in repo
        ? `${String((repo as { owner: unknown }).owner)}/${String((repo as { repo: unknown }).repo)}`
        : `${loc.owner}/${loc.repo}`;
  const source: PolicySource = { text: found.text, path: found.path, repo: name };
  const ref = (found as { ref?: unknown }).ref;
  if (typeof ref === "string") source.ref = ref;
  return source;
}

export async function findSource(
  octokit: AppOctokit,
  loc: RepoRef,
  ref: string,
  localOnly = false,
): Promise<PolicySource | null> {
  const found = await findPolicy(octokit as unknown as Gh, {
    owner: loc.owner,
    repo: loc.repo,
    ref,
    localOnly,
  });
  return found ? sourceOf(found, loc) : null;
}

/** The policy file commit `sha` carries in the repository, when it is not `same` (see findChangedPolicy). */
export async function changedSource(
  octokit: AppOctokit,
  loc: RepoRef,
  sha: string,
  same?: PolicySource,
): Promise<PolicySource | null> {
  const found = await findChangedPolicy(
    octokit as unknown as Gh,
    { owner: loc.owner, repo: loc.repo, sha },
    same ? { path: same.path, text: same.text } : undefined,
  );
  return found ? sourceOf(found, loc) : null;
}

/** A policy validated without some of the files it extends (not read): its own problems, if any, were found. */
export type PartialLookup = { state: "partial"; source: PolicySource; warnings: string[] };

export type { References };

/** Where the file itself lives, for the loader: files of the same repository may be quoted, others never. */
function selfOf(source: PolicySource): { owner: string; repo: string; ref?: string } {
  const [owner = "", repo = ""] = source.repo.split("/");
  return source.ref ? { owner, repo, ref: source.ref } : { owner, repo };
}

/** Every reference read ("all": a policy maintainers wrote), or those "listed" (a branch's: see resolveBranchPolicy). */
async function load(
  octokit: AppOctokit,
  source: PolicySource,
  now: Date,
  strict: boolean,
  listed?: () => Promise<readonly string[]>,
): Promise<PolicyLookup> {
  const result = await loadPolicy(source.text, source.path, {
    now,
    strict,
    ...(listed ? { references: "listed" as const, listed } : { references: "all" as const }),
    self: selfOf(source),
    fetchRemote: remoteFetcher(octokit as unknown as Gh),
  });
  if (result.ok)
    return { state: "ok", source, policy: result.policy, warnings: result.warnings.map(formatPolicyError) };
  return { state: "invalid", source, errors: result.errors };
}

/**
 * `references` says which `extends` entries may be read with the installation token: "all" for a policy
 * maintainers wrote (the base or default branch's); "presets-and-same-commit" for one a pull request changed,
 * which must not read other repositories on its behalf (it then may come back "partial"). In either case a
 * problem inside a file of another repository is reported at the reference, never with the file's content.
 */
export async function validate(
  octokit: AppOctokit,
  source: PolicySource,
  now: Date,
  strict: boolean,
  references: References,
): Promise<PolicyLookup | PartialLookup> {
  if (references === "all") return load(octokit, source, now, strict);
  const v = await validatePolicy(source.text, source.path, {
    now,
    strict,
    references,
    self: selfOf(source),
    fetchRemote: remoteFetcher(octokit as unknown as Gh),
  });
  if (v.errors.length > 0) return { state: "invalid", source, errors: v.errors };
  const warnings = v.warnings.map(formatPolicyError);
  return v.policy
    ? { state: "ok", source, policy: v.policy, warnings }
    : { state: "partial", source, warnings };
}

export async function resolvePolicy(
  octokit: AppOctokit,
  loc: RepoRef,
  ref: string,
  now: Date,
): Promise<PolicyLookup> {
  const source = await findSource(octokit, loc, ref);
  if (!source) return { state: "none" };
  return load(octokit, source, now, false);
}

/**
 * The policy of a branch other than the default one. Any writer can create a branch with its own policy, so it
 * may extend presets, files of its own repository and the other repositories' files the default branch's
 * policy extends (`byDefault`), never a repository of its choosing: the installation token reads them all.
 * A policy from the organisation's .github repository is the organisation's, and reads what it names.
 */
export async function resolveBranchPolicy(
  octokit: AppOctokit,
  loc: RepoRef,
  ref: string,
  now: Date,
  byDefault: () => Promise<PolicyLookup>,
): Promise<PolicyLookup> {
  const source = await findSource(octokit, loc, ref);
  if (!source) return { state: "none" };
  if (!isLocal(source, loc)) return load(octokit, source, now, false);
  let defaults: Promise<PolicyLookup> | undefined;
  const theDefault = () => {
    defaults ??= byDefault();
    return defaults;
  };
  const lookup = await load(octokit, source, now, false, () =>
    theDefault().then((d) => (d.state === "none" ? [] : remoteReferences(d.source.text))),
  );
  if (lookup.state !== "ok" || !namesTeams(lookup.policy)) return lookup;
  const d = await theDefault();
  return { ...lookup, policy: teamsNamedBy(lookup.policy, d.state === "none" ? "" : d.source.text) };
}

/** No one: what an attestation's `by` holds once a branch may not name its teams (logins have no spaces). */
export const NO_ATTESTER = "(no one: a team the default branch's policy does not name)";

const attestationTeams = (policy: Policy): string[] =>
  Object.values(policy.checks).flatMap((c) =>
    ((c as { attestation?: { by?: string[] } }).attestation?.by ?? []).filter((b) => b.includes("/")),
  );
const namesTeams = (policy: Policy): boolean => attestationTeams(policy).length > 0;

/**
 * A writer's branch policy may name in an attestation's `by:` only teams the default branch's policy names:
 * any other would make the App read a team's members and tell, by a pass or a fail, whether someone belongs
 * to it (a secret team's membership, to anyone who can push a branch). Unnamed teams admit no one.
 */
function teamsNamedBy(policy: Policy, defaultText: string): Policy {
  const named = defaultText.toLowerCase();
  const checks = Object.fromEntries(
    Object.entries(policy.checks).map(([id, check]) => {
      const a = (check as { attestation?: { by?: string[] } }).attestation;
      if (!a?.by) return [id, check];
      const by = a.by.filter((b) => !b.includes("/") || named.includes(b.toLowerCase()));
      if (by.length === a.by.length) return [id, check];
      return [id, { ...check, attestation: { ...a, by: by.length > 0 ? by : [NO_ATTESTER] } }];
    }),
  );
  return { ...policy, checks } as Policy;
}

/** True when the source lives in the repository itself, so its lines can carry annotations. */
export function isLocal(source: PolicySource, loc: RepoRef): boolean {
  return source.repo.toLowerCase() === `${loc.owner}/${loc.repo}`.toLowerCase();
}

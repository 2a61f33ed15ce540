// The answer to a custom deployment protection rule. GitHub accepts one decision per deployment, and up to
// ten status comments without a decision (used while the verdict is pending). Comments hold 1,024 characters.
import type { AppOctokit } from "../octokit.js";

export const GATE_COMMENT_MAX = 1024;

export interface GateLocation {
  owner: string;
  repo: string;
  runId: number;
  environment: string;
}

export function clipGateComment(text: string): string {
  return text.length > GATE_COMMENT_MAX ? `${text.slice(0, GATE_COMMENT_MAX - 1)}…` : text;
}

/** state undefined: a progress report that leaves the deployment waiting. */
export async function reviewDeployment(
  octokit: AppOctokit,
  loc: GateLocation,
  state: "approved" | "rejected" | undefined,
  comment: string,
): Promise<void> {
  const body = state
    ? { environment_name: loc.environment, state, comment: clipGateComment(comment) }
    : { environment_name: loc.environment, comment: clipGateComment(comment) };
  await octokit.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule", {
    owner: loc.owner,
    repo: loc.repo,
    run_id: loc.runId,
    ...body,
  });
}

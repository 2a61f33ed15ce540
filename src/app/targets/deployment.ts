// A deployment waiting on the App's custom protection rule: evaluated with the default branch's policy; its
// side effect is the one answer GitHub waits for (approved or rejected), with progress notes while pending.
import type { Logger } from "probot";
import { errorForLog } from "../../evidence/github/failure.js";
import { deploymentTarget } from "../../evidence/target.js";
import { couldNotTell } from "../../report/check-run.js";
import { VERDICT_LABEL } from "../../report/common.js";
import { gatesEnvironment } from "../applies.js";
import type { Job, RunTag } from "../jobs.js";
import type { AppOctokit } from "../octokit.js";
import { reviewDeployment } from "../publish/deployment.js";
import { RunPublisher } from "../publish/publisher.js";
import {
  DEFAULT_CHECK_NAME,
  describeFailure,
  evaluateOnRun,
  gateName,
  invalidResult,
  linkTo,
  type TargetDeps,
} from "./types.js";

type DeploymentJob = Extract<Job, { type: "deployment" }>;

/** A deployment's run is named after its environment: it never stands for a pull request's verdict. */
export const deploymentRunName = (gate: string, environment: string): string =>
  `${gate} (deployment: ${environment})`;

export async function deploymentJob(deps: TargetDeps, job: DeploymentJob, octokit: AppOctokit, log: Logger) {
  const loc = { owner: job.owner, repo: job.repo };
  const d = job.deployment;
  const started = Date.now();
  const tag: RunTag = { context: "deployment", environment: d.environment };
  const answer = async (state: "approved" | "rejected" | undefined, comment: string) => {
    if (d.runId === undefined) return;
    const gate = { ...loc, runId: d.runId, environment: d.environment };
    const send = () => reviewDeployment(octokit, gate, state, comment);
    // A decision is sent once whatever replica or restart evaluates the gate again (./gates in the store).
    if (state && !(await deps.gates.answer(job, state, comment, send))) {
      log.info({ environment: d.environment, state }, "deployment gate already answered");
      return;
    }
    if (!state) await send();
    log.info({ environment: d.environment, state: state ?? "status" }, "deployment gate answered");
  };
  const publisherNamed = (gate: string) =>
    new RunPublisher({
      octokit,
      appId: deps.appId,
      now: deps.now,
      ...loc,
      sha: d.sha,
      name: deploymentRunName(gate, d.environment),
    });
  let publisher: RunPublisher | undefined;
  try {
    // Never a remembered absence: GitHub waits on this answer, and a wrong "no policy" would approve.
    const lookup = await deps.defaultPolicy(octokit, loc, job.defaultBranch);
    if (lookup.state === "none") {
      // GitHub waits on this rule until it is answered (up to 30 days): silence would hold the job.
      await answer(
        "rejected",
        "Readiness Gate found no .readiness.yml on the default branch (nor in the organisation's .github repository), so it cannot tell whether this deployment is ready.",
      );
      deps.count("deployment", "silent", started);
      return;
    }
    publisher = publisherNamed(gateName(lookup));
    if (lookup.state === "invalid") {
      const run = await publisher.fail(invalidResult(lookup, loc, "the default branch"), tag);
      await answer("rejected", `The readiness policy does not validate. ${linkTo(run.htmlUrl)}`.trim());
      deps.count("deployment", "invalid-policy", started);
      return;
    }
    const policy = lookup.policy;
    if (!gatesEnvironment(policy, d.environment)) {
      // The environment's protection rule calls this App, but the policy does not name it: a mismatch between
      // what an admin set up and what the policy says. Approving would pass what someone meant to gate.
      await answer(
        "rejected",
        `The environment \`${d.environment}\` asks Readiness Gate for approval, but \`applies.environments\` in .readiness.yml does not list it. Add it to the policy, or remove the Readiness Gate protection rule from this environment.`,
      );
      deps.count("deployment", "not-listed", started);
      return;
    }
    const { target } = deploymentTarget(
      { owner: loc.owner, name: loc.repo },
      {
        environment: d.environment,
        sha: d.sha,
        ...(d.ref ? { ref: d.ref } : {}),
        ...(d.deploymentId !== undefined ? { id: d.deploymentId } : {}),
        ...(d.deploymentUrl ? { url: d.deploymentUrl } : {}),
      },
    );
    const { report, run } = await evaluateOnRun(deps, octokit, log, publisher, policy, target, tag);
    deps.count("deployment", report.verdict, started);
    const headline = `Readiness ${VERDICT_LABEL[report.verdict]}: ${report.score}/100 (minimum ${report.minScore}).`;
    const blocking = report.blocking.length ? ` Blocking: ${report.blocking.slice(0, 8).join(", ")}.` : "";
    if (report.verdict === "go") await answer("approved", `${headline} ${linkTo(run.htmlUrl)}`);
    else if (report.verdict === "pending") {
      // GitHub takes ten status comments per deployment; keep the last one for nothing but the decision.
      const reports = d.progressReports ?? 0;
      // Recorded before the status comment: a process that dies in between leaves a gate that is found again.
      await deps.gates.wait({ ...job, deployment: { ...d, progressReports: reports + 1 } });
      if (d.runId !== undefined && reports < 9)
        await answer(
          undefined,
          `${headline} Waiting for ${report.pending.slice(0, 8).join(", ")}. ${linkTo(run.htmlUrl)}`,
        );
    } else if (report.mode === "warn" && !couldNotTell(report))
      await answer("approved", `${headline} Warn mode: not blocking.${blocking} ${linkTo(run.htmlUrl)}`);
    else await answer("rejected", `${headline}${blocking} ${linkTo(run.htmlUrl)}`);
  } catch (error) {
    log.error({ err: errorForLog(error) }, "could not evaluate");
    deps.count("deployment", "error", started);
    const run = await (publisher ?? publisherNamed(DEFAULT_CHECK_NAME))
      .failClosed(describeFailure(error), tag)
      .catch((e: unknown) => {
        log.error({ err: errorForLog(e) }, "could not report the failure either; reconcile will retry");
        return undefined;
      });
    try {
      await answer(
        "rejected",
        `Readiness Gate could not evaluate this deployment: ${describeFailure(error)}. ${linkTo(run?.htmlUrl)}`,
      );
    } catch (e) {
      log.error({ err: errorForLog(e) }, "deployment gate could not be answered");
    }
  }
}

// Deployment gates waiting for a workflow: remembered in the process (no store), or in the store, where a
// restart or another replica finds them and each is answered exactly once.
import type { Job } from "../app/jobs.js";
import type { Waiters } from "../app/waiters.js";
import type { Store } from "./store.js";

type DeploymentJob = Extract<Job, { type: "deployment" }>;

export interface GateBook {
  /** The gate's verdict is pending: evaluate it again when a workflow on its commit completes. */
  wait(job: DeploymentJob): Promise<void>;
  /**
   * Posts a decision through `send` unless the gate was answered already (by this or another replica);
   * false when it was.
   */
  answer(
    job: DeploymentJob,
    state: "approved" | "rejected",
    comment: string,
    send: () => Promise<void>,
  ): Promise<boolean>;
  /** Jobs of the gates waiting on a commit. */
  waitingOn(owner: string, repo: string, sha: string): Promise<Job[]>;
}

/** Without a store: today's in-process list; answered gates are not remembered (GitHub refuses a second answer). */
export class MemoryGates implements GateBook {
  constructor(private readonly waiters: Waiters) {}

  async wait(job: DeploymentJob): Promise<void> {
    this.waiters.add(job.owner, job.repo, job.deployment.sha, job);
  }

  async answer(
    _job: DeploymentJob,
    _state: string,
    _comment: string,
    send: () => Promise<void>,
  ): Promise<boolean> {
    await send();
    return true;
  }

  async waitingOn(): Promise<Job[]> {
    // Deployment waiters are among those Waiters.take returns for the commit (the service takes them).
    return [];
  }
}

export class StoreGates implements GateBook {
  constructor(private readonly store: Store) {}

  private input(job: DeploymentJob) {
    const d = job.deployment;
    return {
      installationId: job.installationId,
      owner: job.owner,
      repo: job.repo,
      runId: d.runId!,
      environment: d.environment,
      sha: d.sha,
      callbackUrl: `/repos/${job.owner}/${job.repo}/actions/runs/${d.runId}/deployment_protection_rule`,
      job,
    };
  }

  async wait(job: DeploymentJob): Promise<void> {
    if (job.deployment.runId === undefined) return;
    await this.store.waitGate(this.input(job));
  }

  async answer(
    job: DeploymentJob,
    state: "approved" | "rejected",
    comment: string,
    send: () => Promise<void>,
  ) {
    if (job.deployment.runId === undefined) return false;
    return this.store.answerGate(this.input(job), state, comment, send);
  }

  async waitingOn(owner: string, repo: string, sha: string): Promise<Job[]> {
    return (await this.store.pendingGatesOn(owner, repo, sha)).map((g) => g.job as Job);
  }
}

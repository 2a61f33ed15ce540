// Releases and deployments whose verdict was pending, woken when a workflow on their commit completes.
import { type Job, jobKey } from "./jobs.js";

export class Waiters {
  private readonly byCommit = new Map<string, { job: Job; since: number }[]>();

  constructor(
    private readonly max = 1000,
    private readonly ttlMs = 24 * 3600_000,
  ) {}

  private static key(owner: string, repo: string, sha: string): string {
    return `${owner}/${repo}@${sha}`.toLowerCase();
  }

  add(owner: string, repo: string, sha: string, job: Job, now = Date.now()): void {
    const key = Waiters.key(owner, repo, sha);
    const list = (this.byCommit.get(key) ?? []).filter((w) => jobKey(w.job) !== jobKey(job));
    list.push({ job, since: now });
    this.byCommit.delete(key);
    this.byCommit.set(key, list);
    while (this.byCommit.size > this.max) this.byCommit.delete(this.byCommit.keys().next().value as string);
  }

  /** The commit's waiters (those `which` picks; the others stay). */
  take(
    owner: string,
    repo: string,
    sha: string,
    which: (job: Job) => boolean = () => true,
    now = Date.now(),
  ): Job[] {
    const key = Waiters.key(owner, repo, sha);
    const list = this.byCommit.get(key) ?? [];
    const stay = list.filter((w) => !which(w.job));
    if (stay.length) this.byCommit.set(key, stay);
    else this.byCommit.delete(key);
    return list.filter((w) => which(w.job) && now - w.since < this.ttlMs).map((w) => w.job);
  }

  get size(): number {
    return this.byCommit.size;
  }
}

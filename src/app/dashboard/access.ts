// What a signed-in viewer may read: asked of GitHub with the viewer's token, believed for a few minutes per
// session (each page would otherwise cost a request per 100 repositories). Concurrent pages of one session
// share one lookup. A failed lookup is not cached: the next page asks again.
import { fetchReadable, type Readable } from "./github.js";
import type { Session } from "./session.js";
import type { DashboardSettings } from "./settings.js";

const MAX_SESSIONS = 5_000;

/** An installation's repositories (owner/name), as GitHub lists them to the App (a bounded list). */
export type InstallationRepositories = (installationId: number) => Promise<Readable>;

export class ViewerAccess {
  private readonly cache = new Map<string, { until: number; value: Promise<Readable> }>();

  constructor(
    private readonly settings: DashboardSettings,
    private readonly appId: () => number | undefined,
    private readonly installationRepositories?: InstallationRepositories,
    private readonly fetch: typeof fetchReadable = fetchReadable,
  ) {}

  readable(session: Session, nowMs: number): Promise<Readable> {
    return this.cached(`s:${session.sid}`, nowMs, () => {
      const appId = this.appId();
      if (appId === undefined) return Promise.reject(new Error("the App is not loaded yet"));
      return this.fetch(this.settings, session.token, appId);
    });
  }

  /** What an API token scoped to this installation may read: the installation's repositories. */
  installation(installationId: number, nowMs: number): Promise<Readable> {
    const list = this.installationRepositories;
    if (!list) return Promise.reject(new Error("installation tokens are not available here"));
    return this.cached(`i:${installationId}`, nowMs, () => list(installationId));
  }

  private cached(key: string, nowMs: number, look: () => Promise<Readable>): Promise<Readable> {
    const hit = this.cache.get(key);
    if (hit && hit.until > nowMs) return hit.value;
    const value = look();
    this.cache.delete(key);
    this.cache.set(key, { until: nowMs + this.settings.accessTtlSeconds * 1000, value });
    while (this.cache.size > MAX_SESSIONS) this.cache.delete(this.cache.keys().next().value as string);
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    return value;
  }

  forget(sid: string): void {
    this.cache.delete(`s:${sid}`);
  }
}

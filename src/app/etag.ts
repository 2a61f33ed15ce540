// Conditional requests across evaluations: one bounded ETag cache for the process (entries are keyed by
// installation, so installations never share answers), and request counters per installation for /metrics.
import {
  createRequestStats,
  EtagCache,
  type GitHubRequestStats,
  withEtagCache,
} from "../evidence/github/etag-cache.js";
import type { Metrics } from "./metrics.js";
import type { AppOctokit } from "./octokit.js";

export interface EtagLayerOptions {
  maxEntries?: number;
  maxBytes?: number;
  /** Installations whose counters are kept; the oldest are folded into "other". */
  maxInstallations?: number;
}

export interface EtagLayer {
  /** Installs the cache and the counters on this Octokit (once per instance) and returns it. */
  wrap(octokit: AppOctokit, installationId: number): AppOctokit;
  readonly cache: EtagCache;
  stats(installationId: number): GitHubRequestStats | undefined;
}

export function createEtagLayer(metrics: Metrics, options: EtagLayerOptions = {}): EtagLayer {
  const cache = new EtagCache({
    maxEntries: options.maxEntries ?? 5_000,
    maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
  });
  const perInstallation = new Map<number, GitHubRequestStats>();
  const retired = createRequestStats();
  const maxInstallations = options.maxInstallations ?? 1_000;

  const statsFor = (id: number): GitHubRequestStats => {
    let stats = perInstallation.get(id);
    if (!stats) {
      stats = createRequestStats();
      perInstallation.set(id, stats);
      for (const [oldId, old] of perInstallation) {
        if (perInstallation.size <= maxInstallations) break;
        for (const [k, v] of Object.entries(old.byStatus))
          retired.byStatus[k] = (retired.byStatus[k] ?? 0) + v;
        retired.cacheHits += old.cacheHits;
        retired.notModified += old.notModified;
        perInstallation.delete(oldId);
      }
    }
    return stats;
  };

  metrics.github.source = () => {
    const byStatus: Record<string, number> = { ...retired.byStatus };
    let cacheHits = retired.cacheHits + retired.notModified;
    const rateLimitRemaining: Record<string, number> = {};
    for (const [id, s] of perInstallation) {
      for (const [k, v] of Object.entries(s.byStatus)) byStatus[k] = (byStatus[k] ?? 0) + v;
      cacheHits += s.cacheHits + s.notModified;
      if (s.rateLimitRemaining !== null) rateLimitRemaining[String(id)] = s.rateLimitRemaining;
    }
    return { byStatus, cacheHits, rateLimitRemaining };
  };

  return {
    cache,
    stats: (id) => perInstallation.get(id),
    wrap(octokit, installationId) {
      return withEtagCache(octokit, cache, statsFor(installationId), {
        identity: `installation:${installationId}`,
      });
    },
  };
}

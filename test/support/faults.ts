// Fault injection for the GitHub stand-in (./github-stand-in.ts), as `use()` middleware: a share of requests
// is answered 500 or 502, with GitHub's secondary rate limit (403 + retry-after), after the client's timeout,
// or, for recursive trees, with a truncated tree. Which request gets which fault is a pure function of the
// seed, the request (method, path, query) and how many times that request was seen, not of timing, so a run
// is reproducible request by request whatever order concurrent evaluations reach the stand-in in.
import { createHash } from "node:crypto";
import type { GitHubStandIn, Middleware, StandInReply, StandInRequest } from "./github-stand-in.js";

export type FaultKind = "500" | "502" | "secondary-rate-limit" | "slow" | "truncated-tree";

export interface FaultOptions {
  seed: number;
  /** Share of requests answered with a fault (0..1). */
  rate: number;
  /** How long a "slow" answer waits before it is sent: past the client's timeout. */
  slowMs: number;
  /** retry-after of the secondary rate limit, in seconds (GitHub sends 60 and more; tests scale it). */
  retryAfter?: number;
  /** Requests never faulted, e.g. the App's token exchange; by default every request can be. */
  spare?: (req: StandInRequest) => boolean;
}

export interface FaultStats {
  requests: number;
  faults: Record<FaultKind, number>;
  /** Every faulted request, with its fault. */
  log: { kind: FaultKind; request: StandInRequest }[];
}

/** GitHub's own wording: Octokit's throttling plugin recognises a secondary limit by "secondary rate". */
export const SECONDARY_RATE_LIMIT_MESSAGE =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";

/** A uniform number in [0, 1) from a seed and a text: sha256, first 48 bits. */
export function unit(seed: number, text: string): number {
  const digest = createHash("sha256").update(`${seed}\u0000${text}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** A small seeded PRNG (mulberry32) for choices a test makes itself. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TREE = /^\/repos\/([^/]+)\/([^/]+)\/git\/trees\/([^/]+)$/;

function blobSha(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** The commit's tree as GitHub sends it when the listing is cut: `truncated: true` and part of the entries. */
function truncatedTree(req: StandInRequest, gh: GitHubStandIn, keep: number): StandInReply | undefined {
  const m = TREE.exec(req.path);
  if (!m) return undefined;
  const files = gh.repo(m[1]!, m[2]!)?.files[m[3]!];
  if (!files) return undefined;
  const entries = Object.entries(files);
  const kept = entries.slice(0, Math.floor(entries.length * keep));
  return {
    status: 200,
    body: {
      sha: m[3],
      truncated: true,
      tree: kept.map(([path, text]) => ({
        path,
        mode: "100644",
        type: "blob",
        sha: blobSha(text),
        size: Buffer.byteLength(text),
      })),
    },
  };
}

export interface FaultInjector {
  middleware: Middleware;
  stats: FaultStats;
  /** Faults are injected only while enabled. */
  enabled: boolean;
}

export function faultInjector(options: FaultOptions): FaultInjector {
  const seen = new Map<string, number>();
  const stats: FaultStats = {
    requests: 0,
    faults: { "500": 0, "502": 0, "secondary-rate-limit": 0, slow: 0, "truncated-tree": 0 },
    log: [],
  };
  const injector: FaultInjector = {
    enabled: true,
    stats,
    middleware: async (req, gh) => {
      if (!injector.enabled || options.spare?.(req)) return undefined;
      stats.requests++;
      const id = `${req.method} ${req.path}?${req.query.toString()}`;
      const nth = (seen.get(id) ?? 0) + 1;
      seen.set(id, nth);
      const key = `${id}#${nth}`;
      if (unit(options.seed, key) >= options.rate) return undefined;
      const isTree = TREE.test(req.path) && req.method === "GET";
      const kinds: FaultKind[] = isTree
        ? ["500", "502", "secondary-rate-limit", "slow", "truncated-tree"]
        : ["500", "502", "secondary-rate-limit", "slow"];
      const kind = kinds[Math.floor(unit(options.seed + 1, key) * kinds.length)]!;
      stats.faults[kind]++;
      stats.log.push({ kind, request: req });
      switch (kind) {
        case "500":
          return { status: 500, body: { message: "Server Error" } };
        case "502":
          return { status: 502, body: { message: "Server Error" } };
        case "secondary-rate-limit":
          return {
            status: 403,
            headers: { "retry-after": String(options.retryAfter ?? 1) },
            body: {
              message: SECONDARY_RATE_LIMIT_MESSAGE,
              documentation_url:
                "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
            },
          };
        case "slow":
          // The client has given up by now; the answer itself is a normal one, sent to no one.
          await new Promise((r) => setTimeout(r, options.slowMs));
          return undefined;
        case "truncated-tree":
          return truncatedTree(req, gh, unit(options.seed + 2, key));
      }
    },
  };
  return injector;
}

// Conditional requests across evaluations. GitHub does not charge a 304 to the primary rate limit when the
// request carried a valid Authorization header, and Octokit has no cache of its own: @octokit/request even
// throws a RequestError for a 304. So a request hook remembers `{etag, response}` per (identity, URL, media
// type), sends If-None-Match, and turns the 304 back into the remembered response.
//
// Identity: the installation id when the Octokit authenticates as an installation (Probot's
// context.octokit), else a hash of the token, else "anonymous". Two installations never share an entry;
// a rotated personal token simply starts cold. The App may pass `identity` explicitly instead.
//
// Content-addressed URLs (git blobs, trees and commits by SHA, contents at a commit SHA, history and compares
// between SHAs, an artifact's zip by its id) cannot change, so a remembered answer is used without asking
// GitHub again ("cache-hit"). The provider may also seed such entries with answers it learnt another way:
// the text of files read out of a repository archive is remembered under their blob URLs (cacheAccessOf).
//
// A streamed response (`request.parseSuccessResponseBody: false`, the repository archive) is never kept:
// its body can be read once.
import { createHash } from "node:crypto";
import type { GitHubOctokit } from "./octokit.js";

type Headers = Record<string, string | number | undefined>;

export interface CachedResponse {
  status: number;
  url: string;
  headers: Headers;
  data: unknown;
}

interface Entry {
  etag: string | undefined;
  response: CachedResponse;
  bytes: number;
  immutable: boolean;
}

export interface EtagCacheOptions {
  /** Most responses kept. */
  maxEntries: number;
  /** Most bytes kept (response bodies, as received). */
  maxBytes: number;
  /** Larger responses are not kept (default: an eighth of maxBytes). */
  maxEntryBytes?: number;
}

/** A bounded LRU of GET responses with their validators. Shared by every Octokit the App wraps. */
export class EtagCache {
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;

  constructor({ maxEntries, maxBytes, maxEntryBytes }: EtagCacheOptions) {
    this.maxEntries = Math.max(1, Math.floor(maxEntries));
    this.maxBytes = Math.max(1, Math.floor(maxBytes));
    this.maxEntryBytes = Math.min(this.maxBytes, maxEntryBytes ?? Math.floor(this.maxBytes / 8));
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** The entry, now most recently used. */
  get(key: string): Readonly<Entry> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** Returns false when the response is too large to keep. */
  set(key: string, entry: Entry): boolean {
    this.delete(key);
    if (entry.bytes > this.maxEntryBytes) return false;
    this.entries.set(key, entry);
    this.totalBytes += entry.bytes;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.totalBytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= old.bytes;
    }
    return true;
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.totalBytes -= old.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }
}

/** Counters the App exports as metrics. One object may be shared by many Octokits. */
export interface GitHubRequestStats {
  /** Requests by outcome: HTTP status ("200", "304", "404", "502"), "cache-hit" (answered without a
   *  request) or "network-error" (no HTTP answer). */
  byStatus: Record<string, number>;
  /** Answered from the cache without asking GitHub. */
  cacheHits: number;
  /** Conditional requests GitHub answered 304 (free for the primary rate limit). */
  notModified: number;
  /** GET requests that reached GitHub and were not answered 304. */
  misses: number;
  /** `x-ratelimit-remaining` of the latest response that carried it. */
  rateLimitRemaining: number | null;
  /** `x-ratelimit-reset` (epoch seconds) of that response. */
  rateLimitReset: number | null;
}

export function createRequestStats(): GitHubRequestStats {
  return {
    byStatus: {},
    cacheHits: 0,
    notModified: 0,
    misses: 0,
    rateLimitRemaining: null,
    rateLimitReset: null,
  };
}

/** Requests that reached GitHub and count against the primary rate limit: everything but 304s and hits. */
export function chargedRequests(stats: GitHubRequestStats): number {
  let n = 0;
  for (const [status, count] of Object.entries(stats.byStatus)) {
    if (status !== "304" && status !== "cache-hit" && status !== "network-error") n += count;
  }
  return n;
}

const bump = (stats: GitHubRequestStats | undefined, status: string) => {
  if (stats) stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
};

function noteRateLimit(stats: GitHubRequestStats | undefined, headers: Headers | undefined): void {
  if (!stats || !headers) return;
  const remaining = Number(headers["x-ratelimit-remaining"]);
  if (headers["x-ratelimit-remaining"] !== undefined && Number.isFinite(remaining)) {
    stats.rateLimitRemaining = remaining;
    const reset = Number(headers["x-ratelimit-reset"]);
    stats.rateLimitReset = Number.isFinite(reset) ? reset : null;
  }
}

const SHA = "[0-9a-f]{40}(?:[0-9a-f]{24})?";
const IMMUTABLE = [
  new RegExp(`/repos/[^/]+/[^/]+/git/(?:blobs|trees)/${SHA}(?:\\?|$)`),
  new RegExp(`/repos/[^/]+/[^/]+/contents/[^?]*\\?(?:.*&)?ref=${SHA}(?:&|$)`),
  new RegExp(`/repos/[^/]+/[^/]+/commits\\?(?:.*&)?sha=${SHA}(?:&|$)`),
  new RegExp(`/repos/[^/]+/[^/]+/commits/${SHA}(?:\\?|$)`),
  new RegExp(`/repos/[^/]+/[^/]+/compare/${SHA}\\.\\.\\.${SHA}(?:\\?|$)`),
  new RegExp(`/repos/[^/]+/[^/]+/git/commits/${SHA}(?:\\?|$)`),
  // Artifacts are written once, by a run that has finished when the provider downloads them.
  /\/repos\/[^/]+\/[^/]+\/actions\/artifacts\/\d+\/zip(?:\?|$)/,
];

/** URLs whose answer can never change: addressed by a full SHA, or by the id of something written once. */
export function isImmutableUrl(url: string): boolean {
  const path = url.replace(/^https?:\/\/[^/]+/, "");
  return IMMUTABLE.some((re) => re.test(path));
}

function estimateBytes(response: { data: unknown; headers: Headers }): number {
  const length = Number(response.headers["content-length"]);
  if (Number.isFinite(length) && length > 0) return length;
  const { data } = response;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (typeof data === "string") return Buffer.byteLength(data);
  try {
    return Buffer.byteLength(JSON.stringify(data) ?? "");
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

async function deriveIdentity(octokit: Pick<GitHubOctokit, "auth">): Promise<string> {
  try {
    // auth-app (Probot) knows its installation; auth-token ignores the argument and returns the token.
    const auth = (await octokit.auth({ type: "installation" })) as {
      installationId?: number | string;
      token?: string;
      type?: string;
    };
    if (auth?.installationId !== undefined) return `installation:${auth.installationId}`;
    if (typeof auth?.token === "string") {
      return `token:${createHash("sha256").update(auth.token).digest("hex").slice(0, 16)}`;
    }
    return auth?.type === "unauthenticated" ? "anonymous" : "unknown";
  } catch {
    return "app";
  }
}

/** The cache as one Octokit sees it (its identity), for content-addressed answers learnt without a GET. */
export interface CacheAccess {
  /** Would `GET url` with this Accept be answered from the cache, without a request? */
  has(url: string, accept: string): Promise<boolean>;
  /** Remembers `data` as the answer to `GET url` (with this Accept); only for content-addressed URLs. */
  seed(url: string, accept: string, data: unknown): Promise<void>;
}

const ACCESS = Symbol.for("readiness.etagCache.access");

/** The cache installed on `octokit` by withEtagCache, if any (and if it trusts content-addressed URLs). */
export function cacheAccessOf(octokit: object): CacheAccess | undefined {
  return (octokit as { [ACCESS]?: CacheAccess })[ACCESS];
}

export interface WithEtagCacheOptions {
  /** Whose view of GitHub the responses are: overrides the identity derived from `octokit.auth()`. */
  identity?: string;
  /** Answer content-addressed URLs from the cache without a request (default true). */
  trustImmutable?: boolean;
}

type RequestOptions = {
  method?: string;
  url?: string;
  headers?: Record<string, string | number | undefined>;
  [key: string]: unknown;
};

/**
 * Installs the cache as a request hook on `octokit` (once per Octokit instance), counting outcomes in
 * `stats`. Non-GET requests pass through uncached but are counted. Returns the same Octokit.
 */
export function withEtagCache<O extends Pick<GitHubOctokit, "hook" | "request" | "auth">>(
  octokit: O,
  cache: EtagCache,
  stats?: GitHubRequestStats,
  options: WithEtagCacheOptions = {},
): O {
  const marked = octokit as O & { [INSTALLED]?: boolean };
  if (marked[INSTALLED]) return octokit;
  marked[INSTALLED] = true;
  const trustImmutable = options.trustImmutable ?? true;
  let identity: Promise<string> | undefined = options.identity
    ? Promise.resolve(options.identity)
    : undefined;
  const keyOf = async (url: string, accept: string) => {
    identity ??= deriveIdentity(octokit);
    return `${await identity}\u0000${url}\u0000${accept}`;
  };
  if (trustImmutable) {
    const access: CacheAccess = {
      async has(url, accept) {
        return cache.get(await keyOf(url, accept))?.immutable === true;
      },
      async seed(url, accept, data) {
        if (!isImmutableUrl(url)) return;
        const response: CachedResponse = { status: 200, url, headers: {}, data };
        cache.set(await keyOf(url, accept), {
          etag: undefined,
          response,
          bytes: estimateBytes(response),
          immutable: true,
        });
      },
    };
    (marked as { [ACCESS]?: CacheAccess })[ACCESS] = access;
  }

  let running = inFlight.get(cache);
  if (!running) {
    running = new Map();
    inFlight.set(cache, running);
  }
  const shared = running;

  octokit.hook.wrap("request", async (request, requestOptions) => {
    const send = request as unknown as (options: RequestOptions) => Promise<CachedResponse>;
    const opts = requestOptions as unknown as RequestOptions;
    const method = (opts.method ?? "GET").toUpperCase();
    const streamed =
      (opts.request as { parseSuccessResponseBody?: boolean } | undefined)?.parseSuccessResponseBody ===
      false;
    if (method !== "GET" || streamed)
      return (await passThrough(send, opts, stats)) as Awaited<ReturnType<typeof request>>;

    const parsed = octokit.request.endpoint.parse(requestOptions);
    const accept = String(parsed.headers.accept ?? "");
    const key = await keyOf(parsed.url, accept);
    const entry = cache.get(key);

    if (entry?.immutable && trustImmutable) {
      bump(stats, "cache-hit");
      if (stats) stats.cacheHits++;
      return entry.response as Awaited<ReturnType<typeof request>>;
    }
    const immutable = isImmutableUrl(parsed.url);
    // The same content-addressed GET already on its way (the App's policy look-up and the evidence both read
    // the commit's tree): its answer serves this one too. Were it to fail, this one asks for itself.
    const pending = trustImmutable && immutable ? shared.get(key) : undefined;
    if (pending) {
      const answer = await pending.catch(() => undefined);
      if (answer) {
        bump(stats, "cache-hit");
        if (stats) stats.cacheHits++;
        return answer as Awaited<ReturnType<typeof request>>;
      }
    }
    // before-after-hook binds the original options object into every inner hook: a header is added by
    // changing that object, never by passing a new one.
    opts.headers ??= {};
    const conditional = entry?.etag !== undefined && opts.headers["if-none-match"] === undefined;
    if (conditional) opts.headers["if-none-match"] = entry.etag;

    const sent = send(opts);
    if (trustImmutable && immutable && !shared.has(key)) {
      shared.set(key, sent);
      const done = () => {
        if (shared.get(key) === sent) shared.delete(key);
      };
      sent.then(done, done);
    }
    try {
      const response = await sent;
      bump(stats, String(response.status));
      if (stats) stats.misses++;
      noteRateLimit(stats, response.headers);
      const etag = response.headers.etag === undefined ? undefined : String(response.headers.etag);
      // A tree GitHub cut short (`truncated: true`) is not the commit's tree: kept, it would answer every
      // later evaluation of that commit with the same gaps, however GitHub answers by then.
      const partial = (response.data as { truncated?: unknown } | null)?.truncated === true;
      if (response.status === 200 && (etag !== undefined || immutable) && !partial) {
        // A copy is kept: the caller may change what it was given (paginate unwraps a listing in place).
        const kept = immutable ? response : copyOf(response);
        cache.set(key, { etag, response: kept, bytes: estimateBytes(response), immutable });
      }
      return response as Awaited<ReturnType<typeof request>>;
    } catch (error) {
      const e = error as { status?: number; response?: { headers?: Headers } };
      if (e.status === 304 && conditional && entry) {
        bump(stats, "304");
        if (stats) stats.notModified++;
        noteRateLimit(stats, e.response?.headers);
        return copyOf(entry.response) as Awaited<ReturnType<typeof request>>;
      }
      countError(stats, error, true);
      throw error;
    }
  });
  return octokit;
}

/**
 * A response the caller may change without changing the cache's: a listing's pages are unwrapped in place by
 * Octokit's paginate (`{ total_count, repositories }` becomes the array), which a second 304 would then find.
 */
function copyOf(response: CachedResponse): CachedResponse {
  const { data } = response;
  const plain =
    data !== null && typeof data === "object" && !ArrayBuffer.isView(data) && !(data instanceof ArrayBuffer);
  return { ...response, headers: { ...response.headers }, data: plain ? structuredClone(data) : data };
}

const INSTALLED = Symbol.for("readiness.etagCache");

/** Content-addressed GETs under way, per cache (every Octokit sharing a cache shares them), by cache key. */
const inFlight = new WeakMap<EtagCache, Map<string, Promise<CachedResponse>>>();

async function passThrough(
  request: (options: RequestOptions) => Promise<CachedResponse>,
  opts: RequestOptions,
  stats: GitHubRequestStats | undefined,
): Promise<CachedResponse> {
  try {
    const response = await request(opts);
    bump(stats, String(response.status));
    noteRateLimit(stats, response.headers);
    return response;
  } catch (error) {
    countError(stats, error, false);
    throw error;
  }
}

function countError(stats: GitHubRequestStats | undefined, error: unknown, get: boolean): void {
  const e = error as { status?: number; response?: { headers?: Headers } };
  if (typeof e.status === "number" && e.response) {
    bump(stats, String(e.status));
    if (stats && get) stats.misses++;
    noteRateLimit(stats, e.response.headers);
  } else {
    bump(stats, "network-error");
  }
}

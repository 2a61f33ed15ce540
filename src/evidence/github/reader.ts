// Every GitHub read of one evaluation goes through here: one request per distinct URL (concurrent callers
// share the promise), at most `concurrency` requests in flight, failures as values, bounded pagination.
import { type Failure, toFailure } from "./failure.js";
import type { GitHubOctokit, LogLike } from "./octokit.js";

export type Headers = Record<string, string | number | undefined>;

export type Reply<T> =
  | { ok: true; status: number; data: T; headers: Headers }
  | { ok: false; failure: Failure };

export type Paged<T> =
  | { ok: true; items: T[]; truncated: boolean; pages: number; first: unknown }
  | { ok: false; failure: Failure };

export interface ReaderOptions {
  concurrency: number;
  /** Per request, including redirects and the body. */
  timeoutMs: number;
  log: LogLike;
}

type Params = Record<string, unknown>;

export class GitHubReader {
  private readonly memo = new Map<string, Promise<Reply<unknown>>>();
  private readonly waiting: (() => void)[] = [];
  private active = 0;
  /** Requests handed to Octokit (after de-duplication); cache hits further down still count here. */
  issued = 0;
  /** Most requests that were in flight at once. */
  peak = 0;

  constructor(
    private readonly octokit: GitHubOctokit,
    private readonly options: ReaderOptions,
  ) {}

  /** The URL `GET route` with `params` asks for. */
  url(route: string, params: Params = {}): string {
    return this.octokit.request.endpoint(route, params).url;
  }

  /** The URL and media type `route` asks for (what the ETag cache keys on). */
  endpointKey(route: string, params: Params = {}): { url: string; accept: string } {
    const endpoint = this.octokit.request.endpoint(route, params);
    return { url: endpoint.url, accept: String(endpoint.headers.accept ?? "") };
  }

  /** GET `route` with `params`; the same URL and media type are fetched once per reader. */
  get<T>(route: string, params: Params = {}): Promise<Reply<T>> {
    const endpoint = this.octokit.request.endpoint(route, params);
    const key = `${endpoint.method} ${endpoint.url} ${String(endpoint.headers.accept ?? "")}`;
    let pending = this.memo.get(key);
    if (!pending) {
      pending = this.send(route, params, `${endpoint.method} ${endpoint.url}`);
      this.memo.set(key, pending);
    }
    return pending as Promise<Reply<T>>;
  }

  /**
   * All pages of a list, at most `maxPages`. Page-numbered lists fetch the remaining pages concurrently
   * once the first page's `Link: rel="last"` tells how many there are; cursor lists follow `rel="next"`.
   * Follow-up pages reuse `route` with the query GitHub put in the link, so every URL stays a documented one.
   */
  async pages<T>(
    route: string,
    params: Params,
    maxPages: number,
    items: (data: unknown) => T[],
  ): Promise<Paged<T>> {
    const first = await this.get<unknown>(route, params);
    if (!first.ok) return first;
    // Copied: the page may be the ETag cache's response, shared with later evaluations.
    const out = [...items(first.data)];
    const links = parseLink(first.headers.link);
    const last = links.last ? Number(new URL(links.last).searchParams.get("page")) : Number.NaN;
    if (Number.isInteger(last) && last > 1) {
      const upto = Math.min(last, maxPages);
      const rest = await Promise.all(
        Array.from({ length: upto - 1 }, (_, i) => this.get<unknown>(route, { ...params, page: i + 2 })),
      );
      for (const page of rest) {
        if (!page.ok) return page;
        out.push(...items(page.data));
      }
      return { ok: true, items: out, truncated: last > maxPages, pages: upto, first: first.data };
    }
    let next = links.next;
    let pages = 1;
    while (next && pages < maxPages) {
      const query = Object.fromEntries(new URL(next).searchParams);
      const page = await this.get<unknown>(route, { ...params, ...query });
      if (!page.ok) return page;
      out.push(...items(page.data));
      next = parseLink(page.headers.link).next;
      pages++;
    }
    return { ok: true, items: out, truncated: next !== undefined, pages, first: first.data };
  }

  /**
   * GET `route` with its body left unread: `data` is the response's ReadableStream, for downloads too large
   * to hold whole (the repository archive). Not memoised (a body is read once); it holds a concurrency slot
   * until `consume` settles, and the per-request timeout covers the whole download.
   */
  async stream<T>(
    route: string,
    params: Params,
    consume: (body: ReadableStream<Uint8Array>, headers: Headers) => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; failure: Failure }> {
    await this.acquire();
    this.issued++;
    const timer = deadline(this.options.timeoutMs);
    try {
      const response = await this.octokit.request(route, {
        ...params,
        request: { signal: timer.signal, parseSuccessResponseBody: false },
      });
      const body = response.data as unknown;
      if (!(body instanceof ReadableStream)) {
        return { ok: false, failure: { status: response.status, message: "no body to read", headers: {} } };
      }
      return { ok: true, value: await consume(body, response.headers as Headers) };
    } catch (error) {
      const failure = toFailure(error);
      this.options.log.debug({ status: failure.status, message: failure.message }, `GitHub: ${route} failed`);
      return { ok: false, failure };
    } finally {
      timer.clear();
      this.release();
    }
  }

  /** POST one GraphQL query (see graphql.ts, which batches and memoises the fields). */
  graphql<T>(query: string, variables: Params): Promise<Reply<T>> {
    // GitHub Enterprise Server answers GraphQL at /api/graphql, beside its REST /api/v3 (as @octokit/graphql).
    const base = String(this.octokit.request.endpoint.DEFAULTS.baseUrl ?? "");
    const route = /\/api\/v3\/?$/.test(base)
      ? `POST ${base.replace(/\/api\/v3\/?$/, "/api/graphql")}`
      : "POST /graphql";
    return this.send(route, { query, variables }, "POST /graphql") as Promise<Reply<T>>;
  }

  private async send(route: string, params: Params, what: string): Promise<Reply<unknown>> {
    await this.acquire();
    this.issued++;
    const timer = deadline(this.options.timeoutMs);
    try {
      const response = await this.octokit.request(route, { ...params, request: { signal: timer.signal } });
      return {
        ok: true,
        status: response.status,
        data: response.data,
        headers: response.headers as Headers,
      };
    } catch (error) {
      const failure = toFailure(error);
      this.options.log.debug({ status: failure.status, message: failure.message }, `GitHub: ${what} failed`);
      return { ok: false, failure };
    } finally {
      timer.clear();
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.active >= this.options.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    this.peak = Math.max(this.peak, this.active);
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else this.active--;
  }
}

/**
 * An abort signal that fires `ms` from now with an error named AbortError. @octokit/request rethrows that as
 * it is, so Octokit's retry plugin does not retry it: with AbortSignal.timeout (a TimeoutError, which
 * becomes a retryable status 500) every retry would fail at once on the spent signal, after 1 + 4 + 9 s of
 * backoff that hold the evaluation for nothing.
 */
export function deadline(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      Object.assign(new Error(`GitHub did not answer within ${ms} ms`), { name: "AbortError" }),
    );
  }, ms);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

export function parseLink(header: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof header !== "string") return out;
  for (const part of header.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part);
    if (m?.[1] && m[2]) out[m[2]] = m[1];
  }
  return out;
}

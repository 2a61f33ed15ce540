// A bound on webhook bodies, in front of Probot's webhook middleware. @octokit/webhooks reads the whole
// request body into memory before it checks the signature, with no limit: anyone who can reach the server
// could make it hold gigabytes. GitHub caps webhook payloads at 25 MB and does not deliver larger ones, so a
// body past that is refused with 413 as it arrives, and one announced larger by Content-Length is refused
// before a byte of it is read.
import type { IncomingMessage, ServerResponse } from "node:http";

/** GitHub's cap on webhook payloads is 25 MB; 25 MiB holds it however a megabyte is counted. */
export const WEBHOOK_MAX_BYTES = 25 * 1024 * 1024;

/** As @octokit/webhooks types its Node middleware. */
export type NodeMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  // biome-ignore lint/complexity/noBannedTypes: the type @octokit/webhooks declares.
  next?: Function,
) => Promise<boolean>;

const trimSlashes = (p: string): string => p.replace(/\/+$/, "") || "/";

function pathOf(url: string | undefined): string | null {
  try {
    return trimSlashes(new URL(url ?? "/", "http://localhost").pathname);
  } catch {
    return null;
  }
}

function tooLarge(res: ServerResponse, max: number): true {
  const body = JSON.stringify({ error: `Webhook payloads larger than ${max} bytes are not accepted` });
  // The rest of the body is not read: the connection is closed once the answer is out.
  res
    .writeHead(413, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      connection: "close",
    })
    .end(body);
  return true;
}

/**
 * Wraps `inner` (Probot's webhook middleware): POSTs to `path` have their body read here, at most `max`
 * bytes, and handed on as `req.body`, which @octokit/webhooks takes instead of reading the stream itself.
 */
export function limitBody(path: string, max: number, inner: NodeMiddleware): NodeMiddleware {
  const target = trimSlashes(path);
  return async (req, res, next) => {
    if (req.method !== "POST" || pathOf(req.url) !== target) return inner(req, res, next);
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > max) return tooLarge(res, max);
    const body = await new Promise<Buffer | null>((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > max) {
          req.off("data", onData);
          chunks.length = 0;
          resolve(null);
          return;
        }
        chunks.push(chunk);
      };
      req.on("data", onData);
      req.once("end", () => resolve(Buffer.concat(chunks)));
      req.once("error", () => resolve(Buffer.alloc(0)));
      req.once("close", () => resolve(Buffer.concat(chunks)));
    });
    if (body === null) return tooLarge(res, max);
    if (req.destroyed && !req.complete) return true;
    // As @octokit/webhooks would decode the stream (UTF-8, not fatal), so signatures verify the same.
    (req as IncomingMessage & { body?: string }).body = new TextDecoder("utf-8").decode(body);
    return inner(req, res, next);
  };
}

// The webhook intake, in front of Probot's webhook middleware. @octokit/webhooks reads the whole request body
// into memory before it checks the signature, with no limit: six concurrent unsigned 25 MiB bodies took the
// server from 80 to 449 MiB. So here, before anything is buffered:
// - a delivery without an `X-Hub-Signature-256: sha256=<hex>` header is refused (400) before its body is read;
// - a body announced or streamed past GitHub's 25 MB cap is refused (413);
// - the bytes held across all requests at once are capped: past the cap a delivery is answered 503 (GitHub
//   shows it in the delivery log, and it can be redelivered);
// - a body must arrive within a deadline (408), so slow senders cannot hold their share of the cap;
// - the HMAC is computed as the body streams in and checked at its end (400 when wrong): a forged body is
//   never decoded or parsed, and Probot verifies it again on its own;
// - a verified body already accepted under another delivery id is a replay: answered 200, not processed.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { RecentIds } from "./queue.js";

/** GitHub's cap on webhook payloads is 25 MB; 25 MiB holds it however a megabyte is counted. */
export const WEBHOOK_MAX_BYTES = 25 * 1024 * 1024;
/** Body bytes held across all deliveries at once: two payloads of GitHub's maximum size. */
export const WEBHOOK_MAX_INFLIGHT_BYTES = 64 * 1024 * 1024;
/** Time a delivery's body has to arrive, from its headers. */
export const WEBHOOK_BODY_TIMEOUT_MS = 30_000;

/** As @octokit/webhooks types its Node middleware. */
export type NodeMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  // biome-ignore lint/complexity/noBannedTypes: the type @octokit/webhooks declares.
  next?: Function,
) => Promise<boolean>;

export interface IntakeOptions {
  path: string;
  secret: string;
  maxBytes?: number;
  maxInflightBytes?: number;
  bodyTimeoutMs?: number;
  /** Signatures of bodies accepted recently: the same body again is a replay. */
  seenSignatures?: RecentIds;
  /** Told of each delivery refused here (status, why), for logs and metrics; never given the body. */
  onRefused?: (status: number, reason: string, deliveryId: string | undefined) => void;
  onReplay?: (deliveryId: string | undefined, event: string | undefined) => void;
}

const trimSlashes = (p: string): string => p.replace(/\/+$/, "") || "/";

function pathOf(url: string | undefined): string | null {
  try {
    return trimSlashes(new URL(url ?? "/", "http://localhost").pathname);
  } catch {
    return null;
  }
}

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * Wraps `inner` (Probot's webhook middleware): POSTs to `options.path` have their body read here under the
 * bounds above and handed on as `req.body`, which @octokit/webhooks takes instead of reading the stream.
 */
export function webhookIntake(options: IntakeOptions, inner: NodeMiddleware): NodeMiddleware {
  const target = trimSlashes(options.path);
  const max = options.maxBytes ?? WEBHOOK_MAX_BYTES;
  const cap = options.maxInflightBytes ?? WEBHOOK_MAX_INFLIGHT_BYTES;
  const timeoutMs = options.bodyTimeoutMs ?? WEBHOOK_BODY_TIMEOUT_MS;
  const pending = new Set<string>();
  let inflight = 0;

  return async (req, res, next) => {
    if (req.method !== "POST" || pathOf(req.url) !== target) return inner(req, res, next);
    const delivery = header(req, "x-github-delivery");
    const refuse = (status: number, reason: string): true => {
      options.onRefused?.(status, reason, delivery);
      return answer(res, status, { error: reason });
    };

    const signature = SIGNATURE.exec(header(req, "x-hub-signature-256") ?? "")?.[1]?.toLowerCase();
    if (!signature)
      return refuse(
        400,
        "Missing or malformed X-Hub-Signature-256 header (GitHub sends one when the App has a webhook secret: set it to WEBHOOK_SECRET); the body was not read",
      );
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > max)
      return refuse(413, `Webhook payloads larger than ${max} bytes are not accepted`);
    let held = 0;
    // Bytes count against the cap from the moment they are announced (Content-Length) or arrive.
    const reserve = (n: number): boolean => {
      if (inflight + n > cap) return false;
      inflight += n;
      held += n;
      return true;
    };
    const release = () => {
      inflight -= held;
      held = 0;
    };
    if (Number.isFinite(declared) && !reserve(declared))
      return refuse(503, "Too many webhook bytes in flight; try again later");

    const hmac = createHmac("sha256", options.secret);
    type Read = { chunks: Buffer[] } | { status: number; reason: string };
    const read = await new Promise<Read>((resolve) => {
      const chunks: Buffer[] = [];
      let received = 0;
      let done = false;
      const finish = (r: Read) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.off("data", onData);
        if (!("chunks" in r)) chunks.length = 0;
        resolve(r);
      };
      const timer = setTimeout(
        () => finish({ status: 408, reason: `The body did not arrive within ${timeoutMs / 1000} s` }),
        timeoutMs,
      );
      const onData = (chunk: Buffer) => {
        received += chunk.length;
        if (received > max)
          return finish({
            status: 413,
            reason: `Webhook payloads larger than ${max} bytes are not accepted`,
          });
        if (received > held && !reserve(received - held))
          return finish({ status: 503, reason: "Too many webhook bytes in flight; try again later" });
        hmac.update(chunk);
        chunks.push(chunk);
      };
      req.on("data", onData);
      req.once("end", () => finish({ chunks }));
      req.once("error", () => finish({ status: 400, reason: "The request failed while its body was read" }));
      req.once("close", () => {
        if (!req.complete) finish({ status: 400, reason: "The request was closed before its body arrived" });
      });
    });
    try {
      if (!("chunks" in read)) {
        if (req.destroyed) return true;
        return refuse(read.status, read.reason);
      }
      if (req.destroyed && !req.complete) return true;
      const expected = hmac.digest();
      if (!timingSafeEqual(expected, Buffer.from(signature, "hex")))
        return refuse(
          400,
          "X-Hub-Signature-256 does not match the body signed with WEBHOOK_SECRET (the App's webhook secret on GitHub differs from WEBHOOK_SECRET, or the delivery is forged)",
        );
      const body = Buffer.concat(read.chunks);
      read.chunks.length = 0;

      const seen = options.seenSignatures;
      if (seen && (seen.has(signature) || pending.has(signature))) {
        options.onReplay?.(delivery, header(req, "x-github-event"));
        return answer(res, 200, { ok: true, duplicate: "this body was already delivered" });
      }
      pending.add(signature);
      try {
        // As @octokit/webhooks would decode the stream (UTF-8, not fatal), so signatures verify the same.
        (req as IncomingMessage & { body?: string }).body = new TextDecoder("utf-8").decode(body);
        const handled = await inner(req, res, next);
        // Only a delivery the App took counts: one refused (503 queue full) may come again.
        if (res.statusCode < 300) seen?.add(signature);
        return handled;
      } finally {
        pending.delete(signature);
      }
    } finally {
      release();
    }
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** How long a refused connection keeps reading (and dropping) what the client still sends. */
const LINGER_MS = 2_000;

function answer(res: ServerResponse, status: number, payload: unknown): true {
  const body = JSON.stringify(payload);
  const refused = status >= 300;
  if (refused) linger(res);
  res
    .writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      ...(refused ? { connection: "close" } : {}),
    })
    .end(body);
  return true;
}

/**
 * A refused body is not read, and the connection is closed after the answer. Closed at once, the client's
 * unread bytes make the kernel send a reset that can destroy the answer before the client reads it (GitHub's
 * delivery log would show no status). So, as web servers do: half-close after the answer, drop whatever
 * still arrives (nothing is kept), and close for good after LINGER_MS.
 */
function linger(res: ServerResponse): void {
  const socket = res.socket as (Socket & { destroySoon?: () => void }) | null;
  if (!socket || typeof socket.destroySoon !== "function") return;
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

// Hostile webhooks against the built server over HTTP: no signature, a wrong one, the wrong content type,
// malformed JSON, missing headers, and bodies far past GitHub's 25 MB cap, announced or streamed. Each is
// refused with a 4xx, the server does not hold the oversized body in memory, and not one GitHub request
// follows (the stand-in counts every request it gets).
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitHubStandIn } from "../support/github-stand-in.js";
import {
  APP_ID,
  buildIfNeeded,
  INSTALLATION,
  KEYS,
  pullRequestPayload,
  type Spawned,
  sendWebhook,
  sleep,
  spawnServer,
} from "./support.js";

const SECRET = `hostile-${randomUUID()}`;
const REPO = { owner: "octo", name: "api", id: 77 };
const MB = 1024 * 1024;

/** Resident and peak memory of a process, in kB, from /proc (Linux). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/**
 * POSTs `bytes` of body over a raw socket, stopping as soon as the server answers (a client that keeps
 * sending after a 413 gets a reset, which fetch reports as an error instead of the status).
 */
function rawPost(
  port: number,
  headers: Record<string, string>,
  bytes: number,
  chunked: boolean,
): Promise<{ status: number; sent: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let sent = 0;
    let status = 0;
    const chunk = Buffer.alloc(256 * 1024, "a");
    socket.on("data", (d) => {
      answer += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (m && !status) {
        status = Number(m[1]);
        resolve({ status, sent, ms: Date.now() - started });
        socket.destroy();
      }
    });
    let broken = false;
    socket.on("error", (e: NodeJS.ErrnoException) => {
      // The server may answer 413 and close while we are still writing: the write fails, but its answer is
      // still there to read. Stop writing and let "close" decide whether an answer came.
      if (e.code === "EPIPE" || e.code === "ECONNRESET") broken = true;
      else if (!status) reject(e);
    });
    socket.on("close", () => {
      if (!status) reject(new Error(`closed without an answer after ${sent} bytes`));
    });
    socket.on("connect", async () => {
      const head = [
        "POST /api/github/webhooks HTTP/1.1",
        "Host: 127.0.0.1",
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${bytes}`,
        "",
        "",
      ].join("\r\n");
      socket.write(head);
      while (sent < bytes && !status && !broken && !socket.destroyed) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
        const framed = chunked
          ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")])
          : piece;
        sent += piece.length;
        if (!socket.write(framed)) await new Promise((r) => socket.once("drain", r));
        // Let an early answer be read before writing on into a socket the server may have closed.
        await new Promise((r) => setTimeout(r, 1));
      }
      if (chunked && !status && !broken && !socket.destroyed) socket.write("0\r\n\r\n");
    });
  });
}

describe("hostile webhooks: refused with a 4xx, nothing buffered past the cap, no GitHub request", () => {
  let gh: GitHubStandIn;
  let server: Spawned;
  const figures: string[] = [];

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: KEYS.publicKey,
      installations: [{ id: INSTALLATION, account: REPO.owner }],
    }).start();
    server = await spawnServer(gh, SECRET);
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    await gh?.stop();
    if (figures.length) console.log(`\n${figures.join("\n")}\n`);
  });

  const payload = () =>
    JSON.stringify(pullRequestPayload(REPO, { number: 7, base: "release/1.0", headSha: "1".repeat(40) }));

  async function refused(what: string, send: () => Promise<Response>, status: number): Promise<void> {
    const before = gh.requests.length;
    const res = await send();
    await res.text();
    expect(res.status, what).toBe(status);
    // Anything the App would do runs after the answer: give it time to show.
    await sleep(150);
    expect(gh.requests.length, `${what}: GitHub requests`).toBe(before);
    figures.push(`hostile: ${what} → ${res.status}`);
  }

  it("missing, wrong and foreign signatures: 400", async () => {
    const body = payload();
    await refused(
      "no X-Hub-Signature-256",
      () =>
        fetch(`${server.url}/api/github/webhooks`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "pull_request",
            "x-github-delivery": randomUUID(),
          },
          body,
        }),
      400,
    );
    await refused(
      "a signature of zeros",
      () =>
        sendWebhook(server.url, SECRET, "pull_request", body, {
          "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
        }),
      400,
    );
    await refused(
      "signed with another secret",
      () => sendWebhook(server.url, `${SECRET}-not`, "pull_request", body),
      400,
    );
    await refused(
      "a valid signature of another body",
      async () =>
        sendWebhook(server.url, SECRET, "pull_request", body, {
          "x-hub-signature-256": await sign(SECRET, `${body} `),
        }),
      400,
    );
    await refused(
      "the old SHA-1 signature header only",
      () =>
        fetch(`${server.url}/api/github/webhooks`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "pull_request",
            "x-github-delivery": randomUUID(),
            "x-hub-signature": "sha1=0000000000000000000000000000000000000000",
          },
          body,
        }),
      400,
    );
  });

  it("wrong content type: 415, even correctly signed", async () => {
    const body = payload();
    for (const type of ["application/x-www-form-urlencoded", "text/plain", "application/jsonx"])
      await refused(
        `Content-Type ${type}`,
        () => sendWebhook(server.url, SECRET, "pull_request", body, { "content-type": type }),
        415,
      );
  });

  it("malformed JSON: 400, signed or not", async () => {
    for (const body of ['{"action": "opened", ', "not json", "\u0000\u0001\u0002", '{"a":1}{"b":2}'])
      await refused(
        `malformed JSON ${JSON.stringify(body.slice(0, 12))}, signed`,
        () => sendWebhook(server.url, SECRET, "pull_request", body),
        400,
      );
    await refused(
      "malformed JSON, unsigned",
      () => sendWebhook(server.url, SECRET, "pull_request", "{", { "x-hub-signature-256": "sha256=00" }),
      400,
    );
  });

  it("missing event or delivery headers: 400", async () => {
    const body = payload();
    for (const missing of ["x-github-event", "x-github-delivery"]) {
      await refused(
        `no ${missing}`,
        async () => {
          const headers: Record<string, string> = {
            "content-type": "application/json",
            "x-github-event": "pull_request",
            "x-github-delivery": randomUUID(),
            "x-hub-signature-256": await sign(SECRET, body),
          };
          delete headers[missing];
          return fetch(`${server.url}/api/github/webhooks`, { method: "POST", headers, body });
        },
        400,
      );
    }
  });

  it("a 30 MB body announced by Content-Length: 413 before it is read", async () => {
    const pid = server.child.pid!;
    const before = memory(pid);
    const requests = gh.requests.length;
    const r = await rawPost(
      server.port,
      {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
      },
      30 * MB,
      false,
    );
    await sleep(150);
    const after = memory(pid);
    expect(r.status).toBe(413);
    expect(gh.requests.length).toBe(requests);
    // Refused on the header: the body was not waited for, let alone kept.
    expect(after.peak - before.peak).toBeLessThan(16 * 1024);
    figures.push(
      `hostile: 30 MB announced → ${r.status} after ${r.ms} ms, ${(r.sent / MB).toFixed(1)} MB sent by then; server peak RSS +${Math.round((after.peak - before.peak) / 1024)} MB`,
    );
  });

  it("a 30 MB body streamed without a length: 413 once past the 25 MiB cap, memory bounded", async () => {
    const pid = server.child.pid!;
    const before = memory(pid);
    const requests = gh.requests.length;
    const r = await rawPost(
      server.port,
      {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
      },
      30 * MB,
      true,
    );
    await sleep(150);
    const after = memory(pid);
    expect(r.status).toBe(413);
    expect(gh.requests.length).toBe(requests);
    // The server answered before the client had sent everything, and held at most the cap.
    expect(r.sent).toBeLessThan(30 * MB);
    expect(after.peak - before.peak).toBeLessThan(64 * 1024);
    figures.push(
      `hostile: 30 MB streamed (chunked) → ${r.status} after ${r.ms} ms, ${(r.sent / MB).toFixed(1)} MB sent by then; server peak RSS +${Math.round((after.peak - before.peak) / 1024)} MB (cap 25 MiB)`,
    );
  });

  it("a 20 MB body with a wrong signature: 400, and the log does not grow by the body", async () => {
    const big = JSON.stringify({ ...JSON.parse(payload()), padding: "x".repeat(20 * MB) });
    const logged = Buffer.byteLength(server.output());
    await refused(
      "20 MB, wrong signature",
      () => sendWebhook(server.url, `${SECRET}-not`, "pull_request", big),
      400,
    );
    const grew = Buffer.byteLength(server.output()) - logged;
    // Probot logs a signature error twice with the whole delivery attached; the App's logger keeps its id.
    expect(grew).toBeLessThan(64 * 1024);
    figures.push(`hostile: 20 MB with a wrong signature → 400; the log grew by ${grew} bytes`);
  });

  it("after all that, the server is healthy and still takes a real delivery", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ping = await sendWebhook(server.url, SECRET, "ping", {
      zen: "Keep it logically awesome.",
      hook_id: 1,
    });
    expect(ping.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});

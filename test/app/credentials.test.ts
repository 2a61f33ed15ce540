// The start-up check's one line for the mistakes the built-server tests do not stage: a GitHub Enterprise Server
// behind a private certificate authority, and a clock GitHub finds off. Real servers on 127.0.0.1, real requests.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyApp } from "../../src/app/startup-check.js";
import { APP_KEYS } from "../support/payloads.js";

const servers: Server[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const s of servers) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

const settings = (baseUrl: string) => ({
  appId: 4242,
  privateKey: APP_KEYS.privateKey,
  baseUrl,
  baseUrlSetting: "GITHUB_API_URL",
  privateKeySetting: "PRIVATE_KEY_PATH" as const,
  githubTimeoutMs: 5_000,
});

describe("verifyApp: GET /app as the App", () => {
  it("a certificate from a private authority: names NODE_EXTRA_CA_CERTS", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rg-tls-"));
    dirs.push(dir);
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ]),
      { stdio: "pipe" },
    );
    const port = await listen(
      createHttpsServer(
        { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
        (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"id":4242}'),
      ),
    );
    const r = await verifyApp(settings(`https://127.0.0.1:${port}/api/v3`));
    expect(r).toEqual({
      ok: false,
      failure: {
        setting: "NODE_EXTRA_CA_CERTS",
        transient: false,
        message: `cannot reach GitHub at https://127.0.0.1:${port}/api/v3: its TLS certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT); for a private certificate authority set NODE_EXTRA_CA_CERTS, else check GITHUB_API_URL`,
      },
    });
  });

  it("a JWT GitHub finds issued in the future: names the clock", async () => {
    const port = await listen(
      createHttpServer((_req, res) =>
        res.writeHead(401, { "content-type": "application/json" }).end(
          JSON.stringify({
            message: "'Issued at' claim ('iat') must be an Integer representing a time in the past",
          }),
        ),
      ),
    );
    const r = await verifyApp(settings(`http://127.0.0.1:${port}/api/v3`));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.failure.setting).toBe("clock");
      expect(r.failure.message).toMatch(
        /^GitHub rejected the App's token for its time \(401 .*\); check this machine's clock$/,
      );
    }
  });

  it("names the key's setting as the operator gave it: PRIVATE_KEY_PATH", async () => {
    const port = await listen(
      createHttpServer((_req, res) =>
        res
          .writeHead(401, { "content-type": "application/json" })
          .end(JSON.stringify({ message: "A JSON web token could not be decoded" })),
      ),
    );
    const r = await verifyApp(settings(`http://127.0.0.1:${port}/api/v3`));
    expect(!r.ok && r.failure.setting).toBe("APP_ID, PRIVATE_KEY_PATH");
    expect(!r.ok && r.failure.message).toContain("check APP_ID (4242) and PRIVATE_KEY_PATH");
  });
});

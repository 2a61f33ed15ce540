import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readSettings } from "../../src/app/config.js";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const ok = { APP_ID: "42", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "s3cret" };

describe("readSettings", () => {
  it("accepts a complete environment with Probot's defaults", () => {
    const r = readSettings(ok);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.settings).toMatchObject({
      appId: 42,
      port: 3000,
      host: "localhost",
      webhookPath: "/api/github/webhooks",
      baseUrl: "https://api.github.com",
      logFormat: "json",
      reconcileIntervalMinutes: null,
    });
  });

  it("refuses to start with one line naming every missing setting", () => {
    const r = readSettings({});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message.split("\n")).toHaveLength(1);
    expect(r.message).toContain("APP_ID is not set");
    expect(r.message).toContain("PRIVATE_KEY or PRIVATE_KEY_PATH is not set");
    expect(r.message).toContain("WEBHOOK_SECRET is not set");
  });

  it("never guesses a key from a *.pem in the working directory", () => {
    const r = readSettings({ APP_ID: "1", WEBHOOK_SECRET: "x" }, { readFile: () => privateKey });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("a *.pem in the working directory is not used");
  });

  it('refuses WEBHOOK_SECRET "development" unless NODE_ENV=development', () => {
    const r = readSettings({ ...ok, WEBHOOK_SECRET: "development", NODE_ENV: "production" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("development");
    expect(readSettings({ ...ok, WEBHOOK_SECRET: "development", NODE_ENV: "development" }).ok).toBe(true);
  });

  it("reads a key with escaped newlines, as base64, or from PRIVATE_KEY_PATH", () => {
    expect(readSettings({ ...ok, PRIVATE_KEY: privateKey.replace(/\n/g, "\\n") }).ok).toBe(true);
    expect(readSettings({ ...ok, PRIVATE_KEY: Buffer.from(privateKey).toString("base64") }).ok).toBe(true);
    const viaPath = readSettings(
      { APP_ID: "1", WEBHOOK_SECRET: "x", PRIVATE_KEY_PATH: "/keys/app.pem" },
      { readFile: (p) => (p === "/keys/app.pem" ? privateKey : "") },
    );
    expect(viaPath.ok).toBe(true);
  });

  it("a broken key is named by its source, and never echoed", () => {
    const secretish = "-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END RSA PRIVATE KEY-----";
    const r = readSettings({ ...ok, PRIVATE_KEY: secretish });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toContain("PRIVATE_KEY is not an RSA private key");
    expect(r.message).not.toContain("TOPSECRET");
  });

  it("GITHUB_API_URL is the API's location (GitHub Enterprise Server: https://HOST/api/v3)", () => {
    const r = readSettings({ ...ok, GITHUB_API_URL: "https://ghe.example.com/api/v3/" });
    expect(r.ok && r.settings.baseUrl).toBe("https://ghe.example.com/api/v3");
    expect(r.ok && r.warnings).toEqual([]);
    const bad = readSettings({ ...ok, GITHUB_API_URL: "ghe.example.com" });
    expect(!bad.ok && bad.message).toContain("GITHUB_API_URL must be a URL such as");
    expect(readSettings({ ...ok, GITHUB_API_URL: "ftp://ghe.example.com/api/v3" }).ok).toBe(false);
  });

  it("GHE_HOST and GHE_PROTOCOL, Probot's names, still work with a deprecation line", () => {
    const r = readSettings({ ...ok, GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http" });
    expect(r.ok && r.settings.baseUrl).toBe("http://127.0.0.1:8080/api/v3");
    expect(r.ok && r.warnings).toEqual([
      "GHE_HOST and GHE_PROTOCOL are deprecated: set GITHUB_API_URL=http://127.0.0.1:8080/api/v3 instead",
    ]);
    expect(readSettings({ ...ok, GHE_HOST: "https://ghe.example.com" }).ok).toBe(false);
    const both = readSettings({
      ...ok,
      GHE_HOST: "old.example.com",
      GITHUB_API_URL: "https://new.example.com/api/v3",
    });
    expect(both.ok && both.settings.baseUrl).toBe("https://new.example.com/api/v3");
    expect(both.ok && both.warnings).toEqual([
      "GHE_HOST is ignored: GITHUB_API_URL is set; remove GHE_HOST and GHE_PROTOCOL",
    ]);
  });

  it("validates numbers: PORT, RECONCILE_INTERVAL_MINUTES, queue sizes", () => {
    expect(readSettings({ ...ok, PORT: "http" }).ok).toBe(false);
    expect(readSettings({ ...ok, RECONCILE_INTERVAL_MINUTES: "0" }).ok).toBe(false);
    const r = readSettings({
      ...ok,
      RECONCILE_INTERVAL_MINUTES: "30",
      QUEUE_CONCURRENCY: "2",
      LOG_FORMAT: "pretty",
    });
    expect(r.ok && r.settings).toMatchObject({
      reconcileIntervalMinutes: 30,
      queueConcurrency: 2,
      logFormat: "pretty",
    });
  });

  it("the sweep is off unless SWEEP_INTERVAL_MINUTES is set; its budget is validated", () => {
    expect(readSettings(ok)).toMatchObject({
      ok: true,
      settings: { sweepIntervalMinutes: null, sweepRequestBudget: 250 },
    });
    expect(readSettings({ ...ok, SWEEP_INTERVAL_MINUTES: "30", SWEEP_REQUEST_BUDGET: "100" })).toMatchObject({
      ok: true,
      settings: { sweepIntervalMinutes: 30, sweepRequestBudget: 100 },
    });
    const bad = readSettings({ ...ok, SWEEP_INTERVAL_MINUTES: "soon", SWEEP_REQUEST_BUDGET: "9000" });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(
      /SWEEP_INTERVAL_MINUTES must be a whole number.*SWEEP_REQUEST_BUDGET must be a whole number between 1 and 5000/,
    );
    // A sweep every 2 minutes would get 33 requests under the hourly ceiling: never one evaluation.
    const short = readSettings({ ...ok, SWEEP_INTERVAL_MINUTES: "2" });
    expect(!short.ok && short.message).toMatch(/SWEEP_INTERVAL_MINUTES must be at least 5, got 2/);
  });

  it("the reconcile command needs no webhook secret", () => {
    expect(readSettings({ APP_ID: "1", PRIVATE_KEY: privateKey }, { requireWebhookSecret: false }).ok).toBe(
      true,
    );
  });
});

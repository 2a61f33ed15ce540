// Content reads out of one repository archive (archive.ts): when it is used, what it may not be trusted
// for, how it is bounded, and that what it read is remembered under the blob URLs.
import { Readable } from "node:stream";
import { strToU8, zipSync } from "fflate";
import nock from "nock";
import { afterEach, beforeEach, expect, test } from "vitest";
import {
  chargedRequests,
  createRequestStats,
  EtagCache,
  withEtagCache,
} from "../../../src/evidence/github/etag-cache.js";
import type { Fact, Need } from "../../../src/evidence/types.js";
import {
  blobSha,
  collectAll,
  expectDone,
  github,
  makeOctokit,
  makeProvider,
  REPO_PATH,
  SHA,
  tree,
} from "./fixtures.js";

/** These tests are about the archive: GraphQL texts (limits.graphqlTextBytes) are off. */
const archiveProvider = (options: Parameters<typeof makeProvider>[0] = {}) =>
  makeProvider({ ...options, limits: { graphqlTextBytes: 0, ...options.limits } });

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const CODELOAD = "https://codeload.github.com";
const TEXT: Record<string, string> = {
  "docs/a.md": "# A\nrecovery steps\n",
  "docs/b.md": "# B\n",
  "src/c.py": "schema_version = 3\n",
  // Left out of the archive by `export-ignore`.
  "ops/d.yml": "cosign sign-blob\n",
  // Rewritten in the archive by `export-subst`: its length differs from the blob's.
  "VERSION.txt": "$Format:%H$\n",
};
const PATHS = Object.keys(TEXT);
const sizes = Object.fromEntries(PATHS.map((p) => [p, Buffer.byteLength(TEXT[p]!)]));
const reads: Need[] = [{ type: "files" }, ...PATHS.map((path): Need => ({ type: "content", path }))];

function archive(files: Record<string, string | Uint8Array>): Buffer {
  const top = `acme-shop-${SHA.slice(0, 7)}`;
  const entries: Record<string, Uint8Array> = { [`${top}/`]: new Uint8Array(0) };
  for (const [p, t] of Object.entries(files)) entries[`${top}/${p}`] = typeof t === "string" ? strToU8(t) : t;
  return Buffer.from(zipSync(entries));
}

/** What GitHub would send: d.yml left out, VERSION.txt rewritten, and 5 kB that does not compress. */
const asArchive = () => {
  const { "ops/d.yml": _ignored, ...kept } = TEXT;
  const noise = Uint8Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24);
  return archive({
    ...kept,
    "VERSION.txt": "3f786850e387550fdab836ed7e6dc881de23001b\n",
    "big/other.bin": noise,
  });
};

function serveTree(api: nock.Scope, extra: Record<string, number> = {}) {
  api
    .get(`${REPO_PATH}/git/trees/${SHA}`)
    .query({ recursive: "1" })
    .reply(200, tree({ ...sizes, ...extra }));
}

function redirect(api: nock.Scope) {
  api
    .get(`${REPO_PATH}/zipball/${SHA}`)
    .reply(302, "", { location: `${CODELOAD}/acme/shop/legacy.zip/${SHA}?token=EPHEMERAL` });
}

const blob = (api: nock.Scope, path: string) =>
  api
    .get(`${REPO_PATH}/git/blobs/${blobSha(path)}`)
    .matchHeader("accept", "application/vnd.github.raw+json")
    .reply(200, TEXT[path]!, { "content-type": "application/vnd.github.raw" });

const texts = (facts: Fact<unknown>[]) => facts.slice(1).map((f) => (f.state === "ok" ? f.value : f.reason));

test("three files or more: one archive read; what it left out or rewrote is read by blob", async () => {
  const { api, rec } = github();
  serveTree(api);
  redirect(api);
  const codeload = nock(CODELOAD).get(`/acme/shop/legacy.zip/${SHA}`).query(true).reply(200, asArchive());
  blob(api, "ops/d.yml");
  blob(api, "VERSION.txt");
  const facts = await collectAll(archiveProvider(), reads);
  expect(texts(facts)).toEqual(PATHS.map((p) => TEXT[p]));
  // tree, zipball, two blobs: not one request per file.
  expect(rec.count()).toBe(4);
  expect(codeload.isDone()).toBe(true);
  expectDone(api, rec);
});

test("the files read from the archive are remembered under their blob URLs: the same commit again is free", async () => {
  const cache = new EtagCache({ maxEntries: 100, maxBytes: 1 << 20 });
  const stats = createRequestStats();
  const octokit = withEtagCache(makeOctokit(), cache, stats);
  const { api, rec } = github();
  serveTree(api);
  redirect(api);
  nock(CODELOAD).get(`/acme/shop/legacy.zip/${SHA}`).query(true).reply(200, asArchive());
  blob(api, "ops/d.yml");
  blob(api, "VERSION.txt");
  await collectAll(archiveProvider({ octokit }), reads);
  expect(chargedRequests(stats)).toBe(4);
  const again = await collectAll(archiveProvider({ octokit }), reads);
  expect(texts(again)).toEqual(PATHS.map((p) => TEXT[p]));
  expect(chargedRequests(stats)).toBe(4);
  expect(stats.cacheHits).toBe(1 + PATHS.length);
  expectDone(api, rec);
});

test("fewer than limits.archiveMinFiles reads: blobs, no archive", async () => {
  const { api, rec } = github();
  serveTree(api);
  blob(api, "docs/a.md");
  blob(api, "docs/b.md");
  const facts = await collectAll(archiveProvider(), [
    { type: "files" },
    { type: "content", path: "docs/a.md" },
    { type: "content", path: "docs/b.md" },
  ]);
  expect(texts(facts)).toEqual([TEXT["docs/a.md"], TEXT["docs/b.md"]]);
  expect(rec.count()).toBe(3);
  expectDone(api, rec);
});

test("an archive over limits.maxArchiveBytes is abandoned, declared or streamed: blobs instead", async () => {
  for (const declared of [true, false]) {
    const { api, rec } = github();
    serveTree(api);
    redirect(api);
    const zip = asArchive();
    nock(CODELOAD)
      .get(`/acme/shop/legacy.zip/${SHA}`)
      .query(true)
      .reply(
        200,
        () => (declared ? zip : Readable.from([zip.subarray(0, 1000), zip.subarray(1000)])),
        declared ? { "content-length": String(zip.byteLength) } : {},
      );
    for (const p of PATHS) blob(api, p);
    const facts = await collectAll(archiveProvider({ limits: { maxArchiveBytes: 1500 } }), reads);
    expect(texts(facts)).toEqual(PATHS.map((p) => TEXT[p]));
    expect(rec.count()).toBe(2 + PATHS.length);
    expectDone(api, rec);
    nock.cleanAll();
  }
});

test("a repository whose tree is far larger than the limit is not even asked for its archive", async () => {
  const { api, rec } = github();
  serveTree(api, { "assets/video.mp4": 9 * 1024 * 1024 });
  for (const p of PATHS) blob(api, p);
  const facts = await collectAll(archiveProvider({ limits: { maxArchiveBytes: 2 * 1024 * 1024 } }), reads);
  expect(texts(facts)).toEqual(PATHS.map((p) => TEXT[p]));
  expect(rec.count()).toBe(1 + PATHS.length);
  expectDone(api, rec);
});

test("an archive GitHub refuses, or that is not a zip, costs its request and nothing else: blobs", async () => {
  for (const answer of ["refused", "garbage"] as const) {
    const { api, rec } = github();
    serveTree(api);
    if (answer === "refused") api.get(`${REPO_PATH}/zipball/${SHA}`).reply(404, { message: "Not Found" });
    else {
      redirect(api);
      nock(CODELOAD)
        .get(`/acme/shop/legacy.zip/${SHA}`)
        .query(true)
        .reply(200, Buffer.from("PK\u0003\u0004 this is not a zip archive at all, only its magic number"));
    }
    for (const p of PATHS) blob(api, p);
    const facts = await collectAll(archiveProvider(), reads);
    expect(texts(facts)).toEqual(PATHS.map((p) => TEXT[p]));
    expect(rec.count()).toBe(2 + PATHS.length);
    expectDone(api, rec);
    nock.cleanAll();
  }
});

test("limits.archiveMinFiles 0 turns the archive off", async () => {
  const { api, rec } = github();
  serveTree(api);
  for (const p of PATHS) blob(api, p);
  await collectAll(archiveProvider({ limits: { archiveMinFiles: 0 } }), reads);
  expect(rec.count()).toBe(1 + PATHS.length);
  expectDone(api, rec);
});

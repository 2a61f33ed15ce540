// The commit's files: one recursive tree, then file text by blob SHA, or out of one repository archive when a
// round needs several files (see archive.ts for that trade-off).
//
// Why blobs rather than `contents/{path}?ref=`: both cost one request per file, but a blob URL names the
// content, not the commit. A file that did not change between two commits keeps its blob SHA, so the next
// commit's evaluation finds it in the ETag cache without asking GitHub at all. The contents API is used
// only when no tree is at hand (a lone content need) or the tree was truncated and lacks the path.
// A round's files whose sizes add up to limits.graphqlTextBytes or less are read as GraphQL `Blob.text`
// fields by blob SHA, in the round's one query (graphql.ts), the histories included; their text is then
// remembered under the blob URL like an archive's. A binary, truncated or missing blob is read by blob.
import { FileIndex } from "../file-index.js";
import { type Fact, known, type ReviewedContent, type Target, unknown } from "../types.js";
import { readArchive } from "./archive.js";
import type { CacheAccess } from "./etag-cache.js";
import { errorForLog, explain, PERMISSIONS } from "./failure.js";
import { at, type RepoScope } from "./scope.js";

export interface Tree {
  index: FileIndex;
  blobs: Map<string, { sha: string; size?: number }>;
  truncated: boolean;
}

interface TreeEntry {
  path: string;
  type: string;
  sha: string;
  size?: number;
}

const RAW = { accept: "application/vnd.github.raw+json" };

export async function fetchTree(s: RepoScope): Promise<Fact<Tree>> {
  const reply = await s.reader.get<{ tree?: TreeEntry[]; truncated?: boolean }>(
    "GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
    { ...at(s), tree_sha: s.sha, recursive: "1" },
  );
  if (!reply.ok) {
    const f = reply.failure;
    if (f.status === 404 || f.status === 422)
      return unknown(`file list: commit ${s.sha.slice(0, 7)} was not found in ${s.owner}/${s.repo}`);
    if (f.status === 409) return unknown(`file list: ${s.owner}/${s.repo} is an empty repository`);
    return unknown(explain(f, "file list", PERMISSIONS.contents));
  }
  const blobs = new Map<string, { sha: string; size?: number }>();
  // Blobs only: directories are implied by paths, submodules ("commit") have no content here.
  for (const e of reply.data.tree ?? []) {
    if (e.type === "blob")
      blobs.set(e.path, e.size === undefined ? { sha: e.sha } : { sha: e.sha, size: e.size });
  }
  const truncated = reply.data.truncated === true;
  if (truncated) {
    s.log.warn(
      { entries: blobs.size },
      `GitHub truncated the tree of ${s.owner}/${s.repo}@${s.sha.slice(0, 7)}: paths it lacks count as unknown`,
    );
  }
  const entries = [...blobs].map(([path, b]) => (b.size === undefined ? { path } : { path, size: b.size }));
  return known({ index: new FileIndex(entries, truncated), blobs, truncated });
}

/**
 * The file's text, at most `maxContentBytes` (cut on a character boundary); null when the commit has no
 * such file. `tree` is the commit's tree when one was fetched for this evaluation.
 */
export async function fetchContent(
  s: RepoScope,
  path: string,
  tree: Fact<Tree> | null,
): Promise<Fact<string | null>> {
  const subject = `content of ${path}`;
  if (tree?.state === "ok") {
    const blob = tree.value.blobs.get(path);
    if (blob) {
      if (blob.size !== undefined && blob.size > s.limits.maxFileBytes) return tooLarge(s, path, blob.size);
      const reply = await s.reader.get<unknown>("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
        ...at(s),
        file_sha: blob.sha,
        headers: RAW,
      });
      if (!reply.ok) return unknown(explain(reply.failure, subject, PERMISSIONS.contents));
      return known(decodeText(reply.data, s.limits.maxContentBytes));
    }
    if (!tree.value.truncated) return known(null);
  }
  const reply = await s.reader.get<unknown>("GET /repos/{owner}/{repo}/contents/{path}", {
    ...at(s),
    path,
    ref: s.sha,
    headers: RAW,
  });
  if (!reply.ok) {
    if (reply.failure.status === 404) return known(null);
    // 403 "too_large" comes back for files over 100 MB, which GitHub will not serve through the API.
    return unknown(explain(reply.failure, subject, PERMISSIONS.contents));
  }
  // A directory answers with its listing whatever the media type.
  if (Array.isArray(reply.data)) return known(null);
  return known(decodeText(reply.data, s.limits.maxContentBytes));
}

/**
 * Content reads of one provider. Each round's paths are planned together: when enough of them would cost a
 * blob request (not cached, not too large), one archive read serves them all; whatever the archive does not
 * give back (left out, rewritten, or the read failed) is read by blob as before.
 */
export class Contents {
  private readonly planned = new Map<string, Promise<Uint8Array | undefined>>();

  constructor(
    private readonly s: RepoScope,
    private readonly cache: CacheAccess | undefined,
  ) {}

  /** Called with every content path of a round, before any is answered. */
  plan(paths: string[], tree: Promise<Fact<Tree>>): void {
    const fresh = [...new Set(paths)].filter((p) => !this.planned.has(p));
    if (fresh.length === 0) return;
    const batch = this.fromArchive(fresh, tree).catch((e: unknown) => {
      this.s.log.warn(
        { err: errorForLog(e) },
        "repository archive: unexpected failure; reading blobs instead",
      );
      return new Map<string, Uint8Array>();
    });
    for (const path of fresh)
      this.planned.set(
        path,
        batch.then((files) => files.get(path)),
      );
  }

  async get(path: string, tree: Promise<Fact<Tree>> | undefined): Promise<Fact<string | null>> {
    const t = tree ? await tree : null;
    const bytes = await this.planned.get(path);
    if (bytes && t?.state === "ok") return known(decodeText(bytes, this.s.limits.maxContentBytes));
    return fetchContent(this.s, path, t);
  }

  private async fromArchive(
    paths: string[],
    treePromise: Promise<Fact<Tree>>,
  ): Promise<Map<string, Uint8Array>> {
    const none = new Map<string, Uint8Array>();
    const { limits } = this.s;
    if (limits.archiveMinFiles <= 0) return none;
    const tree = await treePromise;
    if (tree.state !== "ok" || tree.value.truncated) return none;
    const wanted = new Map<string, number>();
    for (const path of paths) {
      const blob = tree.value.blobs.get(path);
      if (!blob || blob.size === undefined || blob.size > limits.maxFileBytes) continue;
      if (this.cache && (await this.cache.has(blobUrl(this.s, blob.sha), RAW.accept))) continue;
      wanted.set(path, blob.size);
    }
    let wantedBytes = 0;
    for (const size of wanted.values()) wantedBytes += size;
    if (wanted.size > 0 && wantedBytes <= limits.graphqlTextBytes) {
      const texts = await graphqlTexts(this.s, wanted, tree.value);
      if (this.cache) {
        for (const [path, bytes] of texts)
          await this.cache.seed(blobUrl(this.s, tree.value.blobs.get(path)!.sha), RAW.accept, bytes);
      }
      return texts;
    }
    if (wanted.size < limits.archiveMinFiles) return none;
    // Archives compress source about fourfold; a tree much larger than that will not fit under the limit,
    // and a download cut off at the limit would be a request spent for nothing.
    let total = 0;
    for (const b of tree.value.blobs.values()) total += b.size ?? 0;
    if (total > 4 * limits.maxArchiveBytes) {
      this.s.log.debug({ total }, "repository archive skipped: the tree is too large");
      return none;
    }
    const read = await readArchive(this.s, wanted);
    if (!read.ok) {
      this.s.log.warn({ reason: read.reason }, "repository archive not read; reading blobs instead");
      return none;
    }
    if (this.cache) {
      for (const [path, bytes] of read.files)
        await this.cache.seed(blobUrl(this.s, tree.value.blobs.get(path)!.sha), RAW.accept, bytes);
    }
    return read.files;
  }
}

interface BlobText {
  text?: string | null;
  byteSize?: number;
  isBinary?: boolean | null;
  isTruncated?: boolean;
}

/** The UTF-8 bytes of each path's blob text, from one GraphQL field per blob; what fails is left out. */
async function graphqlTexts(
  s: RepoScope,
  wanted: Map<string, number>,
  tree: Tree,
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  await Promise.all(
    [...wanted].map(async ([path, size]) => {
      const reply = await s.graphql.field<BlobText | null>(
        "object(oid: $0) { ... on Blob { text byteSize isBinary isTruncated } }",
        [{ type: "GitObjectID!", value: tree.blobs.get(path)!.sha }],
      );
      if (!reply.ok || !reply.data || reply.data.isBinary || reply.data.isTruncated) return;
      if (typeof reply.data.text !== "string" || reply.data.byteSize !== size) return;
      const bytes = new TextEncoder().encode(reply.data.text);
      // Text GitHub could not give byte for byte (not UTF-8) is read by blob.
      if (bytes.byteLength === size) out.set(path, bytes);
    }),
  );
  return out;
}

/** The URL a blob read asks for: where the ETag cache keeps a blob's text. */
function blobUrl(s: RepoScope, sha: string): string {
  return s.reader.url("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
    ...at(s),
    file_sha: sha,
    headers: RAW,
  });
}

function tooLarge(s: RepoScope, path: string, size: number): Fact<never> {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return unknown(
    `content of ${path}: the file is ${mib(size)}; files over ${mib(s.limits.maxFileBytes)} are not read`,
  );
}

/** Raw bodies arrive as text or bytes depending on the content type GitHub sends; JSON files may be parsed. */
export function decodeText(data: unknown, maxBytes: number): string {
  let bytes: Uint8Array;
  if (typeof data === "string") {
    if (data.length * 3 <= maxBytes) return data;
    bytes = Buffer.from(data, "utf8");
  } else if (data instanceof ArrayBuffer) {
    bytes = new Uint8Array(data);
  } else if (ArrayBuffer.isView(data)) {
    bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } else if (data && typeof data === "object" && (data as { encoding?: unknown }).encoding === "base64") {
    bytes = Buffer.from(String((data as { content?: unknown }).content ?? ""), "base64");
  } else {
    return JSON.stringify(data, null, 2);
  }
  if (bytes.byteLength <= maxBytes) return new TextDecoder().decode(bytes);
  // The cut may fall inside a multi-byte character; its fragment decodes to U+FFFD, which is dropped.
  return new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD+$/, "");
}

/**
 * The reviewedContent need: the file at the reference only maintainers write (see ReviewedContent), one
 * contents request; a branch's file changes, so the ETag cache revalidates it (a 304 while it stays).
 */
export async function fetchReviewedContent(
  s: RepoScope,
  target: Target,
  path: string,
): Promise<Fact<ReviewedContent>> {
  const base = target.pullRequest?.baseRef;
  const from = base ?? target.repository?.defaultBranch ?? "the default branch";
  const reply = await s.reader.get<unknown>("GET /repos/{owner}/{repo}/contents/{path}", {
    ...at(s),
    path,
    // No ref: the default branch, which is what a release or deployment trusts.
    ...(base !== undefined ? { ref: base } : {}),
    headers: RAW,
  });
  if (!reply.ok) {
    if (reply.failure.status === 404) return known({ content: null, from });
    return unknown(explain(reply.failure, `${path} on ${from}`, PERMISSIONS.contents));
  }
  const url = target.repository?.htmlUrl
    ? `${target.repository.htmlUrl}/blob/${encodeURIComponent(from)}/${path.split("/").map(encodeURIComponent).join("/")}`
    : undefined;
  if (Array.isArray(reply.data)) return known({ content: null, from });
  return known({
    content: decodeText(reply.data, s.limits.maxContentBytes),
    from,
    ...(url ? { url } : {}),
  });
}

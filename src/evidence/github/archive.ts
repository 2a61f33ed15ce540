// Many files' text in one request: the repository archive of the commit, streamed and unzipped on the fly.
//
// The trade-off. A blob read costs one request per file; `GET /zipball/{sha}` costs one request whatever the
// number of files (GitHub answers 302 to codeload.github.com, whose download is not counted against the API
// rate limit), but it downloads the whole repository. So it is used only when a round of an evaluation needs
// at least `limits.archiveMinFiles` files that the cache does not already hold, and only for repositories
// whose tree says they are small enough; the download stops at `limits.maxArchiveBytes` compressed, and stops
// early once every wanted file has gone by. Only the wanted entries are inflated and kept (each bounded by
// its blob's size); the rest of the archive is parsed past, and fflate keeps the compressed bytes of the
// entries it skips until the read ends, so memory stays under maxArchiveBytes.
//
// An archive is not the tree: `export-ignore` leaves files out, `export-subst` and eol/filter attributes
// rewrite them, and an "include Git LFS objects" setting swaps pointers for content. So an entry is taken only
// when its length equals the blob's size in the tree; any other file is read by its blob, as without an
// archive. Files read here are remembered under their blob URLs in the ETag cache (content-addressed), so
// the same commit again, and the next commit for every file it did not change, needs no request at all.
import { Unzip, UnzipInflate } from "fflate";
import { explain, PERMISSIONS } from "./failure.js";
import { at, type RepoScope } from "./scope.js";
import { SlicedFeeder } from "./unzip.js";

export type ArchiveRead = { ok: true; files: Map<string, Uint8Array> } | { ok: false; reason: string };

type Unzipped = { files: Map<string, Uint8Array> } | { problem: string };

/**
 * The bytes of `wanted` (path → the size its blob has in the tree) from the archive of the commit. Entries
 * whose size differs from the blob's are left out; the caller reads those by blob.
 */
export async function readArchive(s: RepoScope, wanted: Map<string, number>): Promise<ArchiveRead> {
  const max = s.limits.maxArchiveBytes;
  const read = await s.reader.stream(
    "GET /repos/{owner}/{repo}/zipball/{ref}",
    { ...at(s), ref: s.sha },
    async (body, headers): Promise<Unzipped> => {
      const declared = Number(headers["content-length"]);
      if (Number.isFinite(declared) && declared > max) {
        await body.cancel().catch(() => {});
        return { problem: `it is ${mib(declared)}, over the limit of ${mib(max)}` };
      }
      return unzipWanted(body, wanted, max);
    },
  );
  if (!read.ok)
    return { ok: false, reason: explain(read.failure, "repository archive", PERMISSIONS.contents) };
  if ("problem" in read.value) return { ok: false, reason: `repository archive: ${read.value.problem}` };
  return { ok: true, files: read.value.files };
}

async function unzipWanted(
  body: ReadableStream<Uint8Array>,
  wanted: Map<string, number>,
  max: number,
): Promise<Unzipped> {
  const files = new Map<string, Uint8Array>();
  let pending = wanted.size;
  let top: string | undefined;
  const unzip = new Unzip((file) => {
    // GitHub's archives hold one top directory, `<owner>-<repo>-<sha7>/`, the first entry.
    top ??= file.name.slice(0, file.name.indexOf("/") + 1);
    if (!top || !file.name.startsWith(top)) return;
    const path = file.name.slice(top.length);
    const size = wanted.get(path);
    if (size === undefined || files.has(path)) return;
    if (file.originalSize !== undefined && file.originalSize !== size) {
      pending--;
      return;
    }
    const out = new Uint8Array(size);
    let filled = 0;
    file.ondata = (error, chunk, final) => {
      if (error || filled + chunk.length > size) {
        file.terminate();
        pending--;
        return;
      }
      out.set(chunk, filled);
      filled += chunk.length;
      if (final) {
        if (filled === size) files.set(path, out);
        pending--;
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);

  let received = 0;
  // In small slices with turns for the event loop between them: an entry can inflate ~1,000-fold.
  const feed = new SlicedFeeder(unzip, () => pending <= 0);
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        await feed.push(new Uint8Array(0), true);
        break;
      }
      received += value.byteLength;
      if (received > max) return { problem: `it is over the limit of ${mib(max)}` };
      await feed.push(value);
      if (pending <= 0) break;
    }
  } catch (e) {
    // fflate throws on a malformed archive; a network failure mid-body lands here too.
    return { problem: `it could not be read (${e instanceof Error ? e.message : String(e)})` };
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { files };
}

const mib = (n: number) =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;

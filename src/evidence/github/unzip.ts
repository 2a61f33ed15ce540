// Inflating zip archives from GitHub (artifacts, repository archives) without trusting them. A zip entry's
// header says how large it is, but deflate can expand ~1,000-fold and the header may lie; fflate's unzipSync
// inflated a lying 2 MiB artifact for 4.7 s on the event loop, stalling every other webhook and /healthz.
// So input goes to fflate's streaming Unzip in small slices (each inflates to at most ~1,000 × SLICE bytes),
// the output is counted as it comes and the entry dropped the moment it passes its bound, and the event loop
// gets a turn between slices whenever a slice budget of time is used up.
import { Unzip, type UnzipFile, UnzipInflate } from "fflate";

/** Compressed bytes handed to fflate at once: bounds one synchronous inflate step to a few MiB of output. */
const SLICE = 4 * 1024;
/** Time on the event loop before yielding to other work (webhooks, /healthz). */
const BUDGET_MS = 10;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Feeds `unzip` in slices, yielding to the event loop between them when the budget is used. */
export class SlicedFeeder {
  private since = performance.now();

  constructor(
    private readonly unzip: Unzip,
    private readonly stop: () => boolean = () => false,
  ) {}

  async push(chunk: Uint8Array, final = false): Promise<void> {
    for (let at = 0; at < chunk.byteLength && !this.stop(); at += SLICE) {
      const end = Math.min(at + SLICE, chunk.byteLength);
      this.unzip.push(chunk.subarray(at, end), final && end === chunk.byteLength);
      if (performance.now() - this.since > BUDGET_MS) {
        await turn();
        this.since = performance.now();
      }
    }
    if (final && chunk.byteLength === 0 && !this.stop()) this.unzip.push(chunk, true);
  }
}

export type EntryRead =
  | { state: "ok"; bytes: Uint8Array | null }
  | { state: "too-large"; declared?: number }
  | { state: "unreadable"; reason: string };

/**
 * The bytes of entry `name` in the zip `zip`, at most `maxBytes` of them whatever its header says; null when
 * the archive has no such entry.
 */
export async function readEntry(zip: Uint8Array, name: string, maxBytes: number): Promise<EntryRead> {
  let result: EntryRead | undefined;
  const parts: Uint8Array[] = [];
  let size = 0;
  const unzip = new Unzip((file: UnzipFile) => {
    if (result || file.name !== name) return;
    // A declared size over the bound is believed (no need to inflate to refuse); a small one is not.
    if (file.originalSize !== undefined && file.originalSize > maxBytes) {
      result = { state: "too-large", declared: file.originalSize };
      return;
    }
    file.ondata = (error, chunk, final) => {
      if (result) return;
      if (error) {
        result = { state: "unreadable", reason: error.message };
        return;
      }
      size += chunk.byteLength;
      if (size > maxBytes) {
        file.terminate();
        parts.length = 0;
        result = { state: "too-large" };
        return;
      }
      parts.push(chunk);
      if (final) result = { state: "ok", bytes: concat(parts, size) };
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    await new SlicedFeeder(unzip, () => result !== undefined).push(zip, true);
  } catch (e) {
    // fflate throws on a malformed archive.
    return { state: "unreadable", reason: e instanceof Error ? e.message : String(e) };
  }
  return result ?? { state: "ok", bytes: null };
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

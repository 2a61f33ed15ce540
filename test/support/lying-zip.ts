// A zip whose headers lie: the entry declares `declared` bytes but inflates to `actual` (zeros compress
// ~1,000-fold, so 200 MiB inflate from ~200 KiB).
import { zipSync } from "fflate";

export function lyingZip(name: string, actual: number, declared: number): Uint8Array {
  const zip = zipSync({ [name]: new Uint8Array(actual) });
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let at = 0; at + 4 <= zip.byteLength; at++) {
    const sig = view.getUint32(at, true);
    // Local file header: uncompressed size at +22; central directory header: at +24.
    if (sig === 0x04034b50) view.setUint32(at + 22, declared, true);
    else if (sig === 0x02014b50) view.setUint32(at + 24, declared, true);
  }
  return zip;
}

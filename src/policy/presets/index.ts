// The presets `extends` knows by name. Each is a YAML document kept as text (see baseline.ts).
import { baseline } from "./baseline.js";
import { service } from "./service.js";
import { supplyChain } from "./supply-chain.js";

const PRESETS: ReadonlyMap<string, string> = new Map([
  ["readiness:baseline", baseline],
  ["readiness:service", service],
  ["readiness:supply-chain", supplyChain],
]);

export const PRESET_NAMES: readonly string[] = [...PRESETS.keys()];

export function presetText(name: string): string | undefined {
  return PRESETS.get(name);
}

// The one asynchronous step: ask the provider for what the checks need, then evaluate purely.

import type { FileIndex } from "../evidence/file-index.js";
import type { EvidenceProvider, Fact, Target } from "../evidence/types.js";
import { Facts, needKey } from "../evidence/types.js";
import type { Policy } from "../policy/schema.js";
import { collectNeeds, evaluatePolicy } from "./evaluate.js";
import type { Report } from "./types.js";

export interface RunOptions {
  policy: Policy;
  provider: EvidenceProvider;
  target: Target;
  now: Date;
}

/** Collects evidence in at most two rounds (the file index first, then what globs resolved to) and evaluates. */
export async function runEvaluation({ policy, provider, target, now }: RunOptions): Promise<Report> {
  const answers = new Map<string, Fact<unknown>>();
  const gather = async (needs: ReturnType<typeof collectNeeds>) => {
    const missing = needs.filter((n) => !answers.has(needKey(n)));
    if (missing.length === 0) return;
    for (const [k, v] of await provider.collect(missing, target)) answers.set(k, v);
  };
  await gather(collectNeeds(policy, target, null));
  const files = answers.get(needKey({ type: "files" }));
  if (files?.state === "ok") await gather(collectNeeds(policy, target, files.value as FileIndex));
  return evaluatePolicy(policy, new Facts(answers), { target, now });
}

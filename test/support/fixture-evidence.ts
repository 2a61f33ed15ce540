// Local evidence for what a checkout shows, recorded answers for what only GitHub knows: the fixture
// repositories of the seed examples are real git repositories, their workflow runs and alerts are recordings.
import {
  type EvidenceProvider,
  type Fact,
  type Need,
  type NeedType,
  needKey,
  type Target,
} from "../../src/evidence/types.js";

export type Recorded = Partial<Record<NeedType, (need: Need) => Fact<unknown>>>;

export class FixtureEvidence implements EvidenceProvider {
  readonly name = "fixture";
  constructor(
    private readonly local: EvidenceProvider,
    private readonly recorded: Recorded,
  ) {}

  async collect(needs: Need[], target: Target): Promise<Map<string, Fact<unknown>>> {
    const out = await this.local.collect(
      needs.filter((n) => !this.recorded[n.type]),
      target,
    );
    for (const n of needs) {
      const answer = this.recorded[n.type];
      if (answer) out.set(needKey(n), answer(n));
    }
    return out;
  }
}

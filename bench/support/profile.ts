// Reads a V8 CPU profile (node --cpu-prof) of the App and says what kept its event loop busy during a
// window: busy time by area, and the longest uninterrupted busy stretches (what an acknowledgement waiting
// behind them waited for). Areas are decided by the innermost frame whose script belongs to one.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface Profile {
  nodes: Node[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const AREAS: [string, RegExp][] = [
  ["policy: parse and validate .readiness.yml", /\/dist\/policy\/|node_modules\/(yaml|zod)\//],
  ["engine and check kinds", /\/dist\/(engine|checks)\/|node_modules\/(re2js|picomatch)\//],
  ["evidence provider", /\/dist\/evidence\/|node_modules\/fflate\//],
  ["report rendering", /\/dist\/report\//],
  [
    "Octokit and HTTP client",
    /node_modules\/(@octokit\/(request|endpoint|core|plugin-[^/]+|auth-app|request-error)|bottleneck|before-after-hook|json-with-bigint|universal-user-agent)\/|node:internal\/deps\/undici/,
  ],
  [
    "webhook intake (Probot, signature, JSON)",
    /node_modules\/(probot|@octokit\/webhooks(-methods)?|pino-http)\//,
  ],
  ["logging (pino)", /node_modules\/(pino|sonic-boom|pino-std-serializers|fast-redact)\//],
  ["metrics (prom-client)", /node_modules\/prom-client\//],
  ["the App (src/app)", /\/dist\/app\//],
];

export interface ProfileSummary {
  windowMs: number;
  busyMs: number;
  areas: [string, number][];
  longest: { ms: number; areas: [string, number][] }[];
}

/** The newest *.cpuprofile in `dir`, summarised over [fromUs, toUs] (microseconds, CLOCK_MONOTONIC). */
export function summarizeProfile(dir: string, fromUs: number, toUs: number): ProfileSummary | null {
  const file = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()
    .at(-1);
  if (!file) return null;
  const p = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const areaOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = areaOf.get(id);
    if (known) return known;
    const n = byId.get(id)!;
    const fn = n.callFrame.functionName;
    let area: string;
    if (fn === "(garbage collector)") area = "garbage collection";
    else if (fn === "(idle)") area = "idle";
    else {
      const own = AREAS.find(([, re]) => re.test(n.callFrame.url))?.[0];
      const up = parent.get(id);
      area = own ?? (up === undefined ? "other (Node internals, microtasks)" : classify(up));
    }
    areaOf.set(id, area);
    return area;
  };

  const areas = new Map<string, number>();
  const stretches: { ms: number; areas: Map<string, number> }[] = [];
  let current: { ms: number; areas: Map<string, number> } | null = null;
  let t = p.startTime;
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    if (t < fromUs || t > toUs) continue;
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    const area = classify(p.samples[i]!);
    if (area === "idle") {
      if (current) stretches.push(current);
      current = null;
      continue;
    }
    busy += ms;
    areas.set(area, (areas.get(area) ?? 0) + ms);
    current ??= { ms: 0, areas: new Map() };
    current.ms += ms;
    current.areas.set(area, (current.areas.get(area) ?? 0) + ms);
  }
  if (current) stretches.push(current);
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    windowMs: (toUs - fromUs) / 1000,
    busyMs: busy,
    areas: sorted(areas),
    longest: stretches
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5)
      .map((s) => ({ ms: s.ms, areas: sorted(s.areas) })),
  };
}

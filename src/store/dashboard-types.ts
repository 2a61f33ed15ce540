// The dashboard's read model: what /dashboard and /api/v1 show, read from the verdict history and the
// repositories the sweep knows. The queries (src/store/dashboard.ts) implement DashboardQueries; the pages and the
// API (src/app/dashboard/) only read through it. Access is decided before a query: the caller passes the
// repositories the viewer may read, and a query never returns anything outside them.

export type DashboardVerdict = "go" | "no-go" | "pending";

/** A repository the App is installed on, as the sweep last saw it. */
export interface RepositoryInfo {
  /** owner/name as GitHub spells it. */
  repository: string;
  /** null until the sweep has listed it (a repository known only from a webhook's verdict). */
  repositoryId: number | null;
  installationId: number;
  owner: string;
  /** null until the sweep has listed it, unless a webhook's job named it. */
  defaultBranch: string | null;
  /** Teams owning it: `@org/team` owners of CODEOWNERS' catch-all rule, else topics `team-<slug>`. */
  teams: string[];
  /** The default branch has a readiness policy. */
  hasPolicy: boolean;
}

/** One evaluation, as the timeline and the summaries show it. */
export interface VerdictPoint {
  id: number;
  targetKind: "pull_request" | "release" | "deployment" | "merge_group" | "branch";
  targetNumber: number | null;
  environment: string | null;
  sha: string;
  verdict: DashboardVerdict;
  score: number;
  minScore: number;
  level: string | null;
  incomplete: boolean;
  /** Checks in the report's `blocking`. */
  blocking: number;
  /** The check run this evaluation wrote (null for a sweep that wrote none). */
  checkRunUrl: string | null;
  evaluatedAt: Date;
}

export interface RepositorySummary extends RepositoryInfo {
  /** The newest evaluation of the default branch, else the newest of any kind; null when never evaluated. */
  latest: VerdictPoint | null;
  categories: { id: string; score: number | null; weight: number }[];
  /** One point a day over the last 30 days (the day's last evaluation of any kind); days without one omitted. */
  sparkline: { day: string; score: number }[];
  /** Applied waivers whose last valid day is within 7 days of now. */
  waiversExpiringSoon: number;
}

export interface RepositoryFilter {
  /** The repositories the viewer may read (owner/name). Required: access is decided by the caller. */
  readable: string[];
  verdict?: DashboardVerdict;
  /** Only repositories whose latest evaluation has this category under 100. */
  category?: string;
  team?: string;
  owner?: string;
  /** Substring of owner/name. */
  q?: string;
  sort?: "repository" | "score" | "verdict" | "evaluated" | "blocking" | "expiring";
  order?: "asc" | "desc";
  /** 1-based. */
  page?: number;
  /** At most 100; at most 1,000 with `export`. */
  perPage?: number;
  /** For a file export (CSV): larger pages and no sparklines, which the file does not carry. */
  export?: boolean;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  perPage: number;
}

export interface WaiverEntry {
  check: string;
  source: "policy" | "comment";
  reason: string;
  approvedBy: string | null;
  /** Last valid day, YYYY-MM-DD. */
  expires: string;
  url: string | null;
}

export interface SignOffEntry {
  check: string;
  by: string;
  at: string | null;
  /** When it stops counting (the policy's maxAgeDays), if any. */
  until: string | null;
  url: string | null;
}

export interface RepositoryDetail {
  summary: RepositorySummary;
  /** One point a day over `days`: overall score and each category's. */
  series: { day: string; score: number; categories: Record<string, number | null> }[];
  /** Newest first, paged by `before` (an id). */
  timeline: VerdictPoint[];
  /** As of the latest evaluation. */
  waivers: WaiverEntry[];
  signOffs: SignOffEntry[];
  /** Over `days`: how often each check did not pass, most first. */
  failingChecks: { check: string; category: string; failures: number; evaluations: number }[];
}

export interface DashboardQueries {
  listRepositories(filter: RepositoryFilter, now: Date): Promise<Page<RepositorySummary>>;
  /** null when the repository is unknown or not in `readable`. */
  repository(
    repository: string,
    o: { readable: string[]; now: Date; days?: number; before?: number; limit?: number },
  ): Promise<RepositoryDetail | null>;
}

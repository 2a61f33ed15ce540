// The Octokit the App works with: Probot's installation client (core + REST endpoint methods + paginate).
import type { ProbotOctokit } from "probot";

export type AppOctokit = InstanceType<typeof ProbotOctokit>;

// Who belongs to a team (`org/team-slug`): the members GitHub lists (child teams' members included, pending
// invitations not), for attestations whose `by:` names a team. Bounded: past MAX_PAGES pages the answer is
// unknown rather than a partial list that could leave a real member out.
import { type Fact, known, unknown } from "../types.js";
import { explain } from "./failure.js";
import type { RepoScope } from "./scope.js";

const MAX_PAGES = 10;

export async function fetchTeamMembers(s: RepoScope, team: string): Promise<Fact<string[]>> {
  const [org, team_slug] = team.split("/") as [string, string];
  const list = await s.reader.pages(
    "GET /orgs/{org}/teams/{team_slug}/members",
    { org, team_slug, per_page: 100 },
    MAX_PAGES,
    (data) => (Array.isArray(data) ? (data as { login?: unknown }[]) : []),
  );
  const subject = `members of ${team}`;
  if (!list.ok) {
    return unknown(explain(list.failure, subject, { label: "Organization members: read", key: "members" }));
  }
  if (list.truncated) return unknown(`${subject}: over ${MAX_PAGES * 100} members, not all were read`);
  return known(list.items.flatMap((m) => (typeof m.login === "string" ? [m.login.toLowerCase()] : [])));
}

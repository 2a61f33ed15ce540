// Open security alerts from Dependabot, code scanning and secret scanning.
//
// A scanner that is disabled, has never run, or that the app may not read is NOT evidence of zero alerts:
// all of those answer `unknown`, naming the cause (and the missing permission), never an empty list.
// Lists are read up to `limits.alertPages` pages of 100; when more remain the partial list is returned only
// if it already holds a critical alert (then every threshold fails anyway), else the answer is unknown.
//
// Dependabot alerts stay REST although GraphQL has `vulnerabilityAlerts`: REST's 403 "disabled" is what makes
// a disabled scanner unknown here; GraphQL documents no such answer, and asking whether alerts are enabled
// (REST /vulnerability-alerts) needs admin access, which the App does not ask for. Nor would it save a
// request: alerts are a need of the engine's first round, the evaluation's GraphQL query goes out in its
// second (file texts, histories), and warm this listing is a free 304 where a query is always charged.
import { type Alert, type AlertSource, type Fact, known, type Severity, unknown } from "../types.js";
import { explain, type Failure, isPermissionDenied, PERMISSIONS, type Permission } from "./failure.js";
import { at, type RepoScope } from "./scope.js";

interface Source {
  label: string;
  route: string;
  permission: Permission;
  toAlert(raw: unknown): Alert;
  /** A failure that means "this scanner is off / has nothing to say", with the sentence for it. */
  disabled(f: Failure): string | null;
}

const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];
const asSeverity = (v: unknown): Severity | null =>
  typeof v === "string" && (SEVERITIES as readonly string[]).includes(v.toLowerCase())
    ? (v.toLowerCase() as Severity)
    : null;

/** Code scanning: the security severity when the rule has one, else the rule's own level. */
function codeScanningSeverity(rule: {
  security_severity_level?: string | null;
  severity?: string | null;
}): Severity {
  const security = asSeverity(rule.security_severity_level);
  if (security) return security;
  switch (rule.severity) {
    case "error":
      return "high";
    case "warning":
      return "medium";
    default:
      return "low";
  }
}

const SOURCES: Record<AlertSource, Source> = {
  dependabot: {
    label: "Dependabot alerts",
    route: "GET /repos/{owner}/{repo}/dependabot/alerts",
    permission: PERMISSIONS.dependabot,
    toAlert(raw) {
      const a = raw as {
        number: number;
        html_url?: string;
        dependency?: { package?: { name?: string } };
        security_advisory?: { summary?: string; severity?: string };
        security_vulnerability?: { severity?: string };
      };
      const pkg = a.dependency?.package?.name;
      const summary = a.security_advisory?.summary ?? "vulnerable dependency";
      const alert: Alert = {
        source: "dependabot",
        number: a.number,
        severity:
          asSeverity(a.security_advisory?.severity) ??
          asSeverity(a.security_vulnerability?.severity) ??
          "critical",
        summary: pkg ? `${pkg}: ${summary}` : summary,
      };
      if (a.html_url) alert.url = a.html_url;
      return alert;
    },
    disabled: (f) =>
      f.status === 403 && /disabled/i.test(f.message)
        ? "Dependabot alerts are disabled for this repository, so there is no evidence that it has none"
        : null,
  },
  "code-scanning": {
    label: "Code scanning alerts",
    route: "GET /repos/{owner}/{repo}/code-scanning/alerts",
    permission: PERMISSIONS.codeScanning,
    toAlert(raw) {
      const a = raw as {
        number: number;
        html_url?: string;
        rule?: {
          id?: string;
          description?: string;
          security_severity_level?: string | null;
          severity?: string | null;
        };
        most_recent_instance?: { location?: { path?: string } };
      };
      const where = a.most_recent_instance?.location?.path;
      const what = a.rule?.description || a.rule?.id || "code scanning alert";
      const alert: Alert = {
        source: "code-scanning",
        number: a.number,
        severity: codeScanningSeverity(a.rule ?? {}),
        summary: where ? `${what} (${where})` : what,
      };
      if (a.html_url) alert.url = a.html_url;
      return alert;
    },
    disabled(f) {
      if (f.status === 404 && /no analysis/i.test(f.message))
        return "code scanning has no analysis for this repository yet, so there is no evidence that it has no alerts";
      if (
        (f.status === 403 || f.status === 404) &&
        !isPermissionDenied(f) &&
        /not enabled|advanced security|disabled/i.test(f.message)
      )
        return `code scanning is not enabled for this repository (${f.message}), so there is no evidence that it has no alerts`;
      return null;
    },
  },
  "secret-scanning": {
    label: "Secret scanning alerts",
    route: "GET /repos/{owner}/{repo}/secret-scanning/alerts",
    permission: PERMISSIONS.secretScanning,
    toAlert(raw) {
      const a = raw as {
        number: number;
        html_url?: string;
        secret_type_display_name?: string;
        secret_type?: string;
      };
      const alert: Alert = {
        source: "secret-scanning",
        number: a.number,
        // Secret-scanning alerts carry no severity: a leaked secret is treated as critical.
        severity: "critical",
        summary: `leaked ${a.secret_type_display_name ?? a.secret_type ?? "secret"}`,
      };
      if (a.html_url) alert.url = a.html_url;
      return alert;
    },
    disabled: (f) =>
      (f.status === 404 || f.status === 403) &&
      !isPermissionDenied(f) &&
      /disabled|not enabled/i.test(f.message)
        ? "secret scanning is disabled for this repository, so there is no evidence that it has no alerts"
        : null,
  },
};

export async function fetchAlerts(s: RepoScope, source: AlertSource): Promise<Fact<Alert[]>> {
  const spec = SOURCES[source];
  if (!spec) return unknown(`alerts: unknown source "${source}"`);
  const paged = await s.reader.pages<unknown>(
    spec.route,
    { ...at(s), state: "open", per_page: 100 },
    s.limits.alertPages,
    (d) => (Array.isArray(d) ? d : []),
  );
  if (!paged.ok) {
    const off = spec.disabled(paged.failure);
    return unknown(off ?? explain(paged.failure, spec.label, spec.permission));
  }
  const alerts = paged.items.map((raw) => spec.toAlert(raw));
  if (paged.truncated && !alerts.some((a) => a.severity === "critical")) {
    return unknown(
      `${spec.label}: more than ${alerts.length} are open and only the first ${alerts.length} were read, ` +
        "none of them critical; the rest may hold one",
    );
  }
  return known(alerts);
}

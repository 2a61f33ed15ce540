// readiness:service: baseline plus what running a service in production takes.
export const service = `# A service in production: readiness:baseline plus the operational items of production readiness
# reviews (Google SRE's launch checklist, mercari, GitLab, Gruntwork): runbook, SLOs, alerts, dashboards, a
# tested restore and a threat model. Each path is one glob (alternatives in braces), matched anywhere.
version: 1
extends: [readiness:baseline]
categories:
  observability:
    title: Observability
    weight: 2
  operations:
    title: Operations
    weight: 2
  # also in baseline; repeated so this file stands on its own
  security:
    title: Security
    weight: 2
checks:
  # The files below are conventions no tool reads from a fixed place, so each glob matches anywhere (a
  # monorepo's services keep their own). A vendored copy (vendor/, node_modules/, third_party/) matches too:
  # a glob cannot leave a directory out today (a negated group !(...) needs a lookahead RE2 does not have); a policy that
  # vendors such files narrows the path (checks.runbook.file.path: docs/runbook.md).
  runbook:
    title: Runbook, reviewed in the last 180 days
    category: operations
    file:
      path: "**/{{runbook,RUNBOOK,Runbook,playbook,PLAYBOOK,Playbook}*,{runbooks,Runbooks,RUNBOOKS,playbooks,Playbooks}/**/*}.{md,markdown,rst,adoc}"
      maxAgeDays: 180
    fix: Write or review the runbook (docs/runbook.md or docs/runbooks/) and commit it; a commit resets its age.
  slo:
    title: SLOs defined
    category: observability
    file:
      path: "**/{{SLO,SLOs,slo,slos,Slo}{,[-_.]*},*[-_.]{slo,slos,SLO,SLOs},{slo,slos,SLO,SLOs}/**/*,*.openslo}.{md,yml,yaml,json}"
    fix: Write the service's SLOs down (docs/SLO.md, or OpenSLO / Sloth files under slo/).
  alerting:
    title: Alerting rules in the repository
    category: observability
    file:
      path: "**/{*alert*,*Alert*,*ALERT*,*.rules,*_rules,*-rules,{alerts,alerting,alertmanager}/**/*}.{yml,yaml,json,jsonnet,libsonnet,tf}"
    fix: Commit the alerting rules (Prometheus rule files, Grafana or Datadog monitors as code) with the service.
  dashboards:
    title: Dashboards in the repository
    category: observability
    file:
      path: "**/{{dashboards,dashboard,grafana}/**/*,*dashboard*,*Dashboard*}.{json,jsonnet,libsonnet,yml,yaml,tf}"
    fix: Commit the service's dashboards as code (Grafana JSON or Jsonnet, Terraform) under dashboards/.
  # Workflow runs on a branch are known to GitHub only: left to the App (and --repo) rather than unknown locally.
  restore-drill:
    title: Restore drill passed in the last 90 days
    description: >-
      A scheduled workflow restoring the latest backup into a scratch environment, in
      .github/workflows/restore-drill.yml, run on main. Override checks.restore-drill.workflow (file,
      branch) when yours differ.
    category: operations
    contexts: [pull_request, release, deployment]
    workflow:
      file: restore-drill.yml
      branch: main
      maxAgeDays: 90
    fix: Run the restore drill workflow on main (on a schedule) until it passes.
  threat-model:
    title: Threat model, reviewed in the last year
    category: security
    file:
      path: "**/{{THREAT_MODEL,THREAT-MODEL,threat-model,threat_model,ThreatModel,threatmodel,Threat-Model}*,{threat-models,threat_models,threat-model,threatmodel}/**/*}.{md,markdown,rst,adoc,txt}"
      maxAgeDays: 365
    fix: Write or review the threat model (docs/threat-model.md) and commit it; a commit resets its age.
`;

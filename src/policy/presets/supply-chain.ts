// readiness:supply-chain: what a release carries and what guards the code it is built from.
export const supplyChain = `# Supply chain, after OpenSSF Scorecard and CLOMonitor: a release carries an SBOM, signatures and
# provenance; no high or critical alert is open; branch rules require a review and this gate. Release asset
# checks apply to releases and deployments only. Combine with readiness:baseline or readiness:service.
version: 1
categories:
  supply-chain:
    title: Supply chain
    weight: 2
  security:
    title: Security
    weight: 2
checks:
  # Release assets are read from the GitHub release: these checks apply to releases and deployments only.
  # SPDX and CycloneDX name their files *.spdx.json / *.cdx.json; no tool requires one name.
  sbom:
    title: SBOM attached to the release
    category: supply-chain
    release:
      assets: "{*.{spdx,spdx.json,spdx.xml,spdx.yaml,spdx.yml,spdx.rdf,cdx.json,cdx.xml},*sbom*,*SBOM*,*bom.json,*bom.xml}"
    fix: Generate an SBOM in the release workflow (syft, cdxgen) and attach it to the release as *.spdx.json or *.cdx.json.
  # The suffixes OpenSSF Scorecard's Signed-Releases check looks for among release assets.
  signed-release:
    title: Release artifacts signed
    category: supply-chain
    release:
      assets: "*.{sig,asc,sign,minisig,sigstore,sigstore.json}"
    fix: Sign the release artifacts (cosign sign-blob, keyless) and attach the signatures (*.sig, *.sigstore.json) to the release.
  # Scorecard counts *.intoto.jsonl as provenance; slsa-github-generator and attest-build-provenance write it.
  provenance:
    title: Build provenance attached to the release
    category: supply-chain
    release:
      assets: "{*.intoto.jsonl,*.intoto.json,*provenance*}"
    fix: Generate SLSA provenance (slsa-github-generator) and attach the *.intoto.jsonl file to the release.
  # Alerts, and branch rules below, are known to GitHub only: left to the App (and --repo) rather than
  # unknown in every local run.
  vulnerabilities:
    title: No open high or critical vulnerability alert
    category: security
    required: true
    contexts: [pull_request, release, deployment]
    alerts:
      sources: [dependabot, code-scanning]
      maxSeverity: medium
    fix: Fix the open high and critical Dependabot and code-scanning alerts, or dismiss them with a reason.
  secrets:
    title: No open secret-scanning alert
    description: Secret-scanning alerts count as critical, so any open one fails.
    category: security
    required: true
    contexts: [pull_request, release, deployment]
    alerts:
      sources: [secret-scanning]
      maxSeverity: medium
    fix: Revoke and rotate the leaked secret, then close its secret-scanning alert.
  branch-rules:
    title: Branch rules require a review and this gate
    description: >-
      Names the gate's default check run; a policy that renames it (gate.checkName) sets
      checks.branch-rules.branch.requiresChecks to match.
    category: supply-chain
    contexts: [pull_request, release, deployment]
    branch:
      requiresChecks: [Production readiness]
      minReviews: 1
    fix: Add a ruleset on the default branch requiring one approving review and the "Production readiness" check.
`;

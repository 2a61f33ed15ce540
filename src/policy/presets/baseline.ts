// readiness:baseline, embedded as text so the built package needs no file next to it. Errors inside it are
// reported as readiness:baseline:line:column.
export const baseline = `# What any repository that ships should have. Items that recur across public readiness checklists
# (OpenSSF Scorecard, CLOMonitor, repolinter's defaults, mercari's and GitLab's production readiness reviews).
# A path is one item: alternatives are written as one glob with braces, so a match of any one earns the credit.
version: 1
categories:
  documentation:
    title: Documentation
    weight: 1
  ownership:
    title: Ownership
    weight: 1
  delivery:
    title: Delivery
    weight: 2
  security:
    title: Security
    weight: 2
checks:
  # GitHub shows the README of .github/, the root or docs/, in that order (docs.github.com, "About READMEs").
  readme:
    title: README
    category: documentation
    file:
      path: "{,.github/,docs/}{README,Readme,readme}{,.md,.markdown,.rst,.txt,.adoc}"
    fix: Add a README at the repository root saying what this is, how to run it and who owns it.
  # GitHub detects a licence at the root only (licensee: LICENSE, LICENCE, COPYING, with or without extension).
  license:
    title: License
    description: "Not every service needs one: remove it with checks.license: null."
    category: documentation
    weight: 0.5
    file:
      path: "{LICEN[CS]E,COPYING}{,.*,-*}"
    fix: Add a LICENSE file at the repository root.
  # No tool reads a changelog from a fixed place; the root and docs/ are where readers look.
  changelog:
    title: Changelog
    category: documentation
    weight: 0.5
    file:
      path: "{,docs/}{CHANGELOG,CHANGES,HISTORY,NEWS,changelog}{,.md,.markdown,.rst,.txt,.adoc}"
    fix: Keep a CHANGELOG.md (https://keepachangelog.com) with an entry for each release.
  # GitHub links a SECURITY.md of the root, docs/ or .github/ as the security policy, no other name
  # (docs.github.com, "Adding a security policy to your repository").
  security-policy:
    title: Security policy
    category: security
    file:
      path: "{,.github/,docs/}SECURITY.md"
    fix: Add SECURITY.md saying how to report a vulnerability and which versions receive fixes.
  # GitHub reads CODEOWNERS from .github/, the root or docs/ only; one anywhere else (a vendored
  # dependency's) is ignored (docs.github.com, "About code owners").
  codeowners:
    title: Code owners
    category: ownership
    file:
      path: "{.github/,,docs/}CODEOWNERS"
    fix: Add .github/CODEOWNERS naming the team that owns this code and answers for it in production.
  # Runs come from GitHub (only files in .github/workflows/ run), so a local checkout cannot tell: the
  # check is limited to the contexts the App evaluates, and a local run reports it as left to the App.
  ci:
    title: CI passes on this commit
    description: >-
      The workflow in .github/workflows/ci.yml, the most common name for it. A workflow named otherwise is
      set with checks.ci.workflow.file (or name); CI outside GitHub Actions replaces the kind with
      checks.ci.status.name.
    category: delivery
    required: true
    contexts: [pull_request, release, deployment]
    workflow:
      file: ci.yml
    fix: Make the CI workflow pass on this commit.
  # Dependabot reads .github/dependabot.yml or .yaml only; Renovate the files listed in its docs
  # ("Configuration options": renovate.json(5), .github/ and .gitlab/ copies, .renovaterc(.json, .json5)).
  dependency-updates:
    title: Dependency updates
    category: security
    file:
      path: "{.github/dependabot.{yml,yaml},{,.github/,.gitlab/}renovate.json{,5},.renovaterc{,.json,.json5}}"
    fix: Configure Dependabot (.github/dependabot.yml) or Renovate (renovate.json) to keep dependencies current.
`;

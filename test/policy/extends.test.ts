import { describe, expect, it } from "vitest";
import {
  formatPolicyError,
  type LoadOptions,
  type LoadResult,
  loadPolicy,
  MAX_EXTENDS_DEPTH,
  MAX_EXTENDS_ENTRIES,
  parsePolicy,
  type RemoteRef,
  validatePolicy,
} from "../../src/policy/load.js";
import type { Policy } from "../../src/policy/schema.js";

const F = ".readiness.yml";
const doc = (...lines: string[]): string => `${lines.join("\n")}\n`;
const errorsOf = (r: LoadResult): string[] => (r.ok ? [] : r.errors.map(formatPolicyError));
const warningsOf = (r: LoadResult): string[] => (r.ok ? r.warnings.map(formatPolicyError) : []);

function policyOf(r: LoadResult): Policy {
  if (!r.ok) throw new Error(`expected a policy, got:\n${errorsOf(r).join("\n")}`);
  return r.policy;
}

/** A fake GitHub: `owner/repo:path@ref` → file text; records what was asked. */
function remote(files: Record<string, string>) {
  const asked: RemoteRef[] = [];
  const fetchRemote = async (ref: RemoteRef) => {
    asked.push(ref);
    return files[`${ref.owner}/${ref.repo}:${ref.path}${ref.ref ? `@${ref.ref}` : ""}`] ?? null;
  };
  // the policy lives in acme/p itself: its problems (and those of files of the same repository) are shown
  return { asked, opts: { fetchRemote, self: { owner: "acme", repo: "p" } } satisfies LoadOptions };
}

describe("extends: presets", () => {
  it("brings in the preset's categories and checks, in the preset's order, then the policy's own", async () => {
    const p = policyOf(
      await loadPolicy(
        doc("version: 1", "extends: [readiness:baseline]", "checks:", "  own: {file: {path: x}}"),
        F,
      ),
    );
    expect(Object.keys(p.checks)).toEqual([
      "readme",
      "license",
      "changelog",
      "security-policy",
      "codeowners",
      "ci",
      "dependency-updates",
      "own",
    ]);
    expect(Object.keys(p.categories)).toEqual(["documentation", "ownership", "delivery", "security"]);
    expect(p.extends).toEqual(["readiness:baseline"]);
  });

  it("an override replaces the fields it names and keeps the rest", async () => {
    const p = policyOf(
      await loadPolicy(
        doc(
          "version: 1",
          "extends: [readiness:baseline]",
          "checks:",
          "  readme: {weight: 3, required: true}",
        ),
        F,
      ),
    );
    expect(p.checks.readme).toMatchObject({
      title: "README",
      category: "documentation",
      weight: 3,
      required: true,
      file: { path: "{,.github/,docs/}{README,Readme,readme}{,.md,.markdown,.rst,.txt,.adoc}" },
    });
  });

  it("an override naming a kind drops the preset's kind", async () => {
    const p = policyOf(
      await loadPolicy(
        doc(
          "version: 1",
          "extends: [readiness:baseline]",
          "checks:",
          "  ci: {status: {name: buildkite/pipeline}}",
        ),
        F,
      ),
    );
    expect(p.checks.ci).toMatchObject({ title: "CI passes on this commit", required: true });
    expect(p.checks.ci?.status).toEqual({ name: "buildkite/pipeline", conclusions: ["success"] });
    expect(p.checks.ci?.workflow).toBeUndefined();
  });

  it("an override of the same kind replaces its parameters whole", async () => {
    const p = policyOf(
      await loadPolicy(
        doc(
          "version: 1",
          "extends: [readiness:service]",
          "checks:",
          "  runbook: {file: {path: docs/ops.md}}",
        ),
        F,
      ),
    );
    expect(p.checks.runbook?.file).toEqual({ path: "docs/ops.md" });
  });

  it("null or false removes a preset check", async () => {
    const p = policyOf(
      await loadPolicy(
        doc(
          "version: 1",
          "extends: [readiness:baseline]",
          "checks:",
          "  license: null",
          "  changelog: false",
        ),
        F,
      ),
    );
    expect(Object.keys(p.checks)).not.toContain("license");
    expect(Object.keys(p.checks)).not.toContain("changelog");
    expect(Object.values(p.checks).every((c) => typeof c === "object" && c !== null)).toBe(true);
  });

  it("removing a check no preset defines is a warning at the removal", async () => {
    const r = await loadPolicy(
      doc("version: 1", "extends: [readiness:baseline]", "checks:", "  licence: false"),
      F,
    );
    expect(warningsOf(r)).toEqual([
      ".readiness.yml:4:3: checks.licence: removes a check that no extended policy defines",
    ]);
  });

  it("categories merge by id, field by field", async () => {
    const p = policyOf(
      await loadPolicy(
        doc(
          "version: 1",
          "extends: [readiness:baseline]",
          "categories:",
          "  security: {weight: 5}",
          "  extra: {}",
        ),
        F,
      ),
    );
    expect(p.categories.security).toEqual({ title: "Security", weight: 5 });
    expect(p.categories.extra).toEqual({ weight: 1 });
  });

  it("a check may use a category declared by a preset", async () => {
    const r = await loadPolicy(
      doc(
        "version: 1",
        "extends: [readiness:service]",
        "checks:",
        "  own: {category: observability, file: {path: x}}",
      ),
      F,
    );
    expect(errorsOf(r)).toEqual([]);
  });

  it("the merged policy is validated as a whole, errors pointing into the file that wrote the value", async () => {
    const r = await loadPolicy(
      doc(
        "version: 1",
        "extends: [readiness:baseline]",
        "checks:",
        "  readme: {category: docs}",
        "  brand-new: {weight: 2}",
        "  license: null",
        "waivers:",
        "  - {check: license, reason: private service, expires: 2030-01-01}",
      ),
      F,
    );
    // every error at once: the unknown category and the waiver of a removed check come with the kind error
    expect(errorsOf(r)).toEqual([
      '.readiness.yml:4:22: checks.readme.category: unknown category "docs"; declare it under categories or leave category out for general',
      ".readiness.yml:5:3: checks.brand-new: a check needs exactly one kind: one of file, workflow, status, artifact, release, branch, alerts, signoff, pr, attestation",
      '.readiness.yml:8:13: waivers[0].check: no check "license" in this policy',
    ]);
    const fixed = await loadPolicy(
      doc(
        "version: 1",
        "extends: [readiness:baseline]",
        "checks:",
        "  readme: {category: docs}",
        "  license: null",
        "waivers:",
        "  - {check: license, reason: private service, expires: 2030-01-01}",
      ),
      F,
    );
    expect(errorsOf(fixed)).toEqual([
      '.readiness.yml:4:22: checks.readme.category: unknown category "docs"; declare it under categories or leave category out for general',
      '.readiness.yml:7:13: waivers[0].check: no check "license" in this policy',
    ]);
  });

  it("parsePolicy does not resolve extends: an override alone has no kind", () => {
    expect(
      errorsOf(
        parsePolicy(
          doc("version: 1", "extends: [readiness:baseline]", "checks:", "  readme: {weight: 3}"),
          F,
        ),
      ),
    ).toEqual([
      ".readiness.yml:4:3: checks.readme: a check needs exactly one kind: one of file, workflow, status, artifact, release, branch, alerts, signoff, pr, attestation",
    ]);
  });
});

describe("extends: owner/repo references", () => {
  const base = doc(
    "version: 1",
    "gate: {minScore: 90, mode: warn}",
    "applies: {releases: false, environments: [prod]}",
    "commands: {waive: {maxDays: 10}}",
    "categories:",
    "  sec: {title: Security, weight: 3}",
    "checks:",
    "  threat-model: {category: sec, file: {path: docs/threat-model.md}}",
    "waivers:",
    "  - {check: threat-model, reason: written this quarter, expires: 2030-01-01}",
  );

  it("asks fetchRemote for owner, repo, path and ref", async () => {
    const { asked, opts } = remote({ "acme/policies:readiness/base.yml@v2": base });
    const r = await loadPolicy(doc("version: 1", "extends: [acme/policies:readiness/base.yml@v2]"), F, opts);
    expect(errorsOf(r)).toEqual([]);
    expect(asked).toEqual([{ owner: "acme", repo: "policies", path: "readiness/base.yml", ref: "v2" }]);
  });

  it("gate, applies and commands merge field by field; waivers concatenate", async () => {
    const { opts } = remote({ "acme/policies:base.yml": base });
    const p = policyOf(
      await loadPolicy(
        doc(
          "version: 1",
          "extends: [acme/policies:base.yml]",
          "gate: {minScore: 70}",
          "applies: {releases: true}",
          "waivers:",
          "  - {check: threat-model, reason: second waiver here, expires: 2030-02-01}",
        ),
        F,
        opts,
      ),
    );
    expect(p.gate).toMatchObject({ minScore: 70, mode: "warn" });
    expect(p.applies).toMatchObject({ releases: true, environments: ["prod"] });
    expect(p.commands.waive.maxDays).toBe(10);
    expect(p.waivers.map((w) => w.expires)).toEqual(["2030-01-01", "2030-02-01"]);
  });

  it("later entries win over earlier ones, the policy over both", async () => {
    const { opts } = remote({
      "acme/p:a.yml": doc(
        "version: 1",
        "gate: {minScore: 10, checkName: A}",
        "checks:",
        "  x: {file: {path: a}}",
      ),
      "acme/p:b.yml": doc("version: 1", "gate: {minScore: 20}", "checks:", "  x: {file: {path: b}}"),
    });
    const p = policyOf(
      await loadPolicy(
        doc("version: 1", "extends: [acme/p:a.yml, acme/p:b.yml]", "gate: {mode: warn}"),
        F,
        opts,
      ),
    );
    expect(p.gate).toMatchObject({ minScore: 20, checkName: "A", mode: "warn" });
    expect(p.checks.x?.file?.path).toBe("b");
  });

  it("errors inside a remote file carry its name and its lines", async () => {
    const { opts } = remote({
      "acme/p:bad.yml": doc("version: 1", "checks:", "  x:", "    weight: -1", "    file: {path: x}"),
    });
    expect(errorsOf(await loadPolicy(doc("version: 1", "extends: [acme/p:bad.yml]"), F, opts))).toEqual([
      "acme/p:bad.yml:4:13: checks.x.weight: must be at least 0, got -1",
    ]);
  });

  it("a waiver in a remote file for a check the policy removed points into the remote file", async () => {
    const { opts } = remote({ "acme/p:base.yml": base });
    const r = await loadPolicy(
      doc("version: 1", "extends: [acme/p:base.yml]", "checks:", "  threat-model: null"),
      F,
      opts,
    );
    expect(errorsOf(r)).toEqual([
      'acme/p:base.yml:10:13: waivers[0].check: no check "threat-model" in this policy',
    ]);
  });

  it("waiver indexes follow the file that wrote them", async () => {
    const { opts } = remote({ "acme/p:base.yml": base });
    const r = await loadPolicy(
      doc(
        "version: 1",
        "extends: [acme/p:base.yml]",
        "waivers:",
        "  - {check: nope, reason: a reason long enough, expires: 2030-01-01}",
      ),
      F,
      opts,
    );
    expect(errorsOf(r)).toEqual(['.readiness.yml:4:13: waivers[0].check: no check "nope" in this policy']);
  });

  it("a file that is not there, or cannot be read", async () => {
    const failing = {
      fetchRemote: async (ref: RemoteRef) => {
        if (ref.path === "boom.yml") throw new Error("HTTP 500");
        return null;
      },
    };
    const r = await loadPolicy(doc("version: 1", "extends: [acme/p:gone.yml, acme/p:boom.yml]"), F, failing);
    expect(errorsOf(r)).toEqual([
      ".readiness.yml:2:11: extends[0]: acme/p:gone.yml was not found (or the App may not read it)",
      ".readiness.yml:2:28: extends[1]: could not read acme/p:boom.yml: HTTP 500",
    ]);
  });

  it("a remote file that is not YAML", async () => {
    const { opts } = remote({ "acme/p:x.yml": "version: [1\n" });
    expect(errorsOf(await loadPolicy(doc("version: 1", "extends: [acme/p:x.yml]"), F, opts))).toEqual([
      "acme/p:x.yml:2:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  it("remote files may extend presets, and each file is fetched once", async () => {
    const { asked, opts } = remote({
      "acme/p:a.yml": doc("version: 1", "extends: [readiness:baseline, acme/p:c.yml]"),
      "acme/p:b.yml": doc("version: 1", "extends: [acme/p:c.yml]"),
      "acme/p:c.yml": doc("version: 1", "checks:", "  c: {file: {path: c}}"),
    });
    const p = policyOf(await loadPolicy(doc("version: 1", "extends: [acme/p:a.yml, acme/p:b.yml]"), F, opts));
    expect(Object.keys(p.checks)).toContain("readme");
    expect(Object.keys(p.checks)).toContain("c");
    expect(asked.map((a) => a.path).sort()).toEqual(["a.yml", "b.yml", "c.yml"]);
  });

  it("cycles are refused with the chain named", async () => {
    const { opts } = remote({
      "acme/p:a.yml": doc("version: 1", "extends: [acme/p:b.yml]"),
      "acme/p:b.yml": doc("version: 1", "extends: [acme/p:a.yml]"),
    });
    expect(errorsOf(await loadPolicy(doc("version: 1", "extends: [acme/p:a.yml]"), F, opts))).toEqual([
      "acme/p:b.yml:2:11: extends[0]: extends cycle: .readiness.yml → acme/p:a.yml → acme/p:b.yml → acme/p:a.yml",
    ]);
  });

  it("a file extending itself is a cycle", async () => {
    const { opts } = remote({ "acme/p:a.yml": doc("version: 1", "extends: [acme/p:a.yml]") });
    expect(errorsOf(await loadPolicy(doc("version: 1", "extends: [acme/p:a.yml]"), F, opts))).toEqual([
      "acme/p:a.yml:2:11: extends[0]: extends cycle: .readiness.yml → acme/p:a.yml → acme/p:a.yml",
    ]);
  });

  const chain = (n: number) => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= n; i++) {
      files[`acme/p:${i}.yml`] =
        i < n
          ? doc("version: 1", `extends: [acme/p:${i + 1}.yml]`)
          : doc("version: 1", "checks:", `  deepest: {file: {path: x}}`);
    }
    return remote(files).opts;
  };

  it(`follows extends ${MAX_EXTENDS_DEPTH} levels deep`, async () => {
    const p = policyOf(
      await loadPolicy(doc("version: 1", "extends: [acme/p:1.yml]"), F, chain(MAX_EXTENDS_DEPTH)),
    );
    expect(Object.keys(p.checks)).toEqual(["deepest"]);
  });

  it(`refuses a ${MAX_EXTENDS_DEPTH + 1}th level, naming the chain`, async () => {
    const r = await loadPolicy(doc("version: 1", "extends: [acme/p:1.yml]"), F, chain(MAX_EXTENDS_DEPTH + 1));
    expect(errorsOf(r)).toEqual([
      "acme/p:5.yml:2:11: extends[0]: extends nests deeper than 5 levels: .readiness.yml → acme/p:1.yml → acme/p:2.yml → acme/p:3.yml → acme/p:4.yml → acme/p:5.yml → acme/p:6.yml",
    ]);
  });

  it("a file named many times is fetched and resolved once: fan-out does not multiply the work", async () => {
    // four levels of ten entries each: 10,000 resolutions without the cache
    const files: Record<string, string> = {};
    for (let level = 1; level <= 4; level++) {
      files[`acme/p:${level}.yml`] = doc(
        "version: 1",
        `extends: [${Array(10)
          .fill(`acme/p:${level + 1}.yml`)
          .join(", ")}]`,
      );
    }
    files["acme/p:5.yml"] = doc("version: 1", "checks:", "  x: {file: {path: x}}");
    const { asked, opts } = remote(files);
    const p = policyOf(await loadPolicy(doc("version: 1", "extends: [acme/p:1.yml]"), F, opts));
    expect(Object.keys(p.checks)).toEqual(["x"]);
    expect(asked.map((a) => a.path)).toEqual(["1.yml", "2.yml", "3.yml", "4.yml", "5.yml"]);
  });

  it(`follows at most ${MAX_EXTENDS_ENTRIES} extends entries in all`, async () => {
    const entries = Array(MAX_EXTENDS_ENTRIES + 10).fill("readiness:baseline");
    const r = await loadPolicy(doc("version: 1", `extends: [${entries.join(", ")}]`), F);
    expect(errorsOf(r)).toEqual([
      `.readiness.yml:2:${11 + 20 * MAX_EXTENDS_ENTRIES}: extends[${MAX_EXTENDS_ENTRIES}]: more than ${MAX_EXTENDS_ENTRIES} extends entries in all (this file and those it extends)`,
    ]);
  });

  it("an unknown preset named in a remote file is reported in that file", async () => {
    const { opts } = remote({ "acme/p:a.yml": doc("version: 1", "extends: [readiness:basline]") });
    expect(errorsOf(await loadPolicy(doc("version: 1", "extends: [acme/p:a.yml]"), F, opts))).toEqual([
      'acme/p:a.yml:2:11: extends[0]: unknown preset "readiness:basline" (did you mean "readiness:baseline"?); presets: readiness:baseline, readiness:service, readiness:supply-chain',
    ]);
  });
});

describe("extends: files of other repositories are never quoted", () => {
  const SECRET = "ghp_0123456789abcdefSECRETSECRETSECRET";
  // policy-shaped, so its token sits where a validation message would quote it
  const leaky = doc(
    "version: 1",
    "gate:",
    `  checkName: 7`,
    `  mode: "${SECRET}"`,
    "checks:",
    "  hidden-key:",
    "    weight: -1",
  );
  const files = {
    "acme/private:secret.yml": leaky,
    "acme/p:own.yml": doc("version: 1", "gate: {mode: sideways}"),
  };

  it("a problem in another repository's file is one line at the reference: which reference, how many, no content", async () => {
    const { opts } = remote(files);
    const errors = errorsOf(
      await loadPolicy(doc("version: 1", "extends: [acme/private:secret.yml]"), F, opts),
    );
    expect(errors).toEqual([
      '.readiness.yml:2:11: extends[0]: "acme/private:secret.yml" (or a file it extends) has 3 problems; they are not shown here because that file belongs to another repository: run `readiness validate` there',
    ]);
    for (const leak of [SECRET, "hidden-key", "checkName", "mode", "weight"])
      expect(errors.join("\n")).not.toContain(leak);
  });

  it("…also two files deep, and its YAML errors too", async () => {
    const { opts } = remote({
      "acme/other:a.yml": doc("version: 1", "extends: [acme/private:secret.yml]"),
      "acme/private:secret.yml": `token: [${SECRET}\n`,
    });
    const errors = errorsOf(await loadPolicy(doc("version: 1", "extends: [acme/other:a.yml]"), F, opts));
    expect(errors).toEqual([
      expect.stringMatching(
        /^\.readiness\.yml:2:11: extends\[0\]: "acme\/other:a\.yml" \(or a file it extends\) has 1 problem;/,
      ),
    ]);
    expect(errors.join("\n")).not.toContain(SECRET);
  });

  it("a suggestion never names a check id of another repository's file", async () => {
    const { opts } = remote({
      "acme/private:ids.yml": doc("version: 1", "checks:", "  secret-release-check: {file: {path: x}}"),
    });
    const r = await loadPolicy(
      doc(
        "version: 1",
        "extends: [acme/private:ids.yml]",
        "waivers:",
        "  - {check: secret-release-chek, reason: a reason long enough, expires: 2030-01-01}",
      ),
      F,
      opts,
    );
    expect(errorsOf(r)).toEqual([
      '.readiness.yml:4:13: waivers[0].check: no check "secret-release-chek" in this policy',
    ]);
  });

  it("files of the policy's own repository are quoted as before", async () => {
    const { opts } = remote(files);
    expect(errorsOf(await loadPolicy(doc("version: 1", "extends: [acme/p:own.yml]"), F, opts))).toEqual([
      'acme/p:own.yml:2:14: gate.mode: expected one of "block", "warn", got "sideways"',
    ]);
  });
});

describe("extends: a policy changed in a pull request reads presets and its own commit only", () => {
  const HEAD = "a".repeat(40);
  const own = doc("version: 1", "checks:", "  shared: {file: {path: x}}");
  const opts = (files: Record<string, string>) => {
    const r = remote(files);
    const o: LoadOptions = {
      ...r.opts,
      references: "presets-and-same-commit",
      self: { owner: "Acme", repo: "P", ref: HEAD },
    };
    return { asked: r.asked, opts: o };
  };

  it("another repository is not read: a warning at the reference, the file itself still validated", async () => {
    const { asked, opts: o } = opts({ "acme/private:secret.yml": own });
    const v = await validatePolicy(
      doc("version: 1", "extends: [acme/private:secret.yml, readiness:baseline]", "gate: {minScore: 80}"),
      F,
      o,
    );
    expect(asked).toEqual([]);
    expect(v.errors).toEqual([]);
    expect(v.unread).toBe(1);
    expect(v.policy).toBeNull();
    expect(v.warnings.map(formatPolicyError)).toEqual([
      ".readiness.yml:2:11: extends[0]: acme/private:secret.yml: not read: a policy changed in a pull request is validated with presets and files of its own repository at the same commit only; other references are read once it is merged",
    ]);
    const bad = await validatePolicy(
      doc("version: 1", "extends: [acme/private:secret.yml]", "gate: {minScore: 200}"),
      F,
      o,
    );
    expect(bad.errors.map(formatPolicyError)).toEqual([
      ".readiness.yml:3:18: gate.minScore: must be between 0 and 100, got 200",
    ]);
  });

  it("another ref of the same repository is not read; the same repository (any case) is read at the same commit", async () => {
    const { asked, opts: o } = opts({ [`acme/p:shared.yml@${HEAD}`]: own });
    const v = await validatePolicy(
      doc("version: 1", "extends: [acme/p:shared.yml, acme/p:shared.yml@main]"),
      F,
      o,
    );
    expect(asked).toEqual([{ owner: "acme", repo: "p", path: "shared.yml", ref: HEAD }]);
    expect(v.unread).toBe(1);
    const whole = await validatePolicy(doc("version: 1", "extends: [acme/p:shared.yml]"), F, o);
    expect(Object.keys(whole.policy?.checks ?? {})).toEqual(["shared"]);
  });

  it("loadPolicy under the same rule refuses, since the policy is not whole", async () => {
    const { asked, opts: o } = opts({ "acme/private:secret.yml": own });
    const r = await loadPolicy(doc("version: 1", "extends: [acme/private:secret.yml]"), F, o);
    expect(asked).toEqual([]);
    expect(errorsOf(r)).toEqual([expect.stringContaining("extends[0]: acme/private:secret.yml: not read:")]);
  });
});

describe("ids that collide with what every object has", () => {
  for (const id of ["__proto__", "constructor", "toString", "prototype", "hasOwnProperty"]) {
    it(`check id ${id} is refused at its key, also as a category id`, async () => {
      const r = await loadPolicy(
        doc(
          "version: 1",
          "categories:",
          `  ${id}: {weight: 1}`,
          "checks:",
          `  ${id}:`,
          "    required: true",
          "    file: {path: README.md}",
        ),
        F,
      );
      expect(errorsOf(r)).toEqual([
        `.readiness.yml:3:3: categories${id === "__proto__" ? ".__proto__" : `.${id}`}: "${id}" cannot be a category id: it is a reserved name (a property of every JavaScript object); choose another`,
        `.readiness.yml:5:3: checks.${id}: "${id}" cannot be a check id: it is a reserved name (a property of every JavaScript object); choose another`,
      ]);
    });
  }

  it("a waiver for toString names no check (the map of checks has no prototype)", async () => {
    const r = await loadPolicy(
      doc(
        "version: 1",
        "checks:",
        "  a: {file: {path: x}}",
        "waivers:",
        "  - {check: toString, reason: a reason long enough, expires: 2030-01-01}",
      ),
      F,
    );
    expect(errorsOf(r)).toEqual([
      '.readiness.yml:5:13: waivers[0].check: no check "toString" in this policy',
    ]);
    const ok = policyOf(await loadPolicy(doc("version: 1", "checks:", "  a: {file: {path: x}}"), F));
    expect(ok.checks.toString).toBeUndefined();
    expect(ok.categories.constructor).toBeUndefined();
  });
});

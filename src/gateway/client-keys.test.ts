import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ManagedKey } from "../governance/governance-settings.js";
import { ClientKeys } from "./client-keys.js";

const hexDigest = (key: string) => createHash("sha256").update(key).digest("hex");

describe("ClientKeys", () => {
  it("authenticates a key presented again and again, after thousands of unknown keys", () => {
    const keys = new ClientKeys([{ name: "ci", key: "configured-key-0123456789", projects: ["p"] }]);
    for (let round = 0; round < 3; round++) {
      expect(keys.authenticate("configured-key-0123456789")).toMatchObject({ ok: true });
    }
    for (let guess = 0; guess < 3_000; guess++) {
      expect(keys.authenticate(`guess-${guess}`)).toEqual({ ok: false, reason: "unknown" });
    }
    expect(keys.authenticate("configured-key-0123456789")).toMatchObject({
      ok: true,
      principal: { keyName: "ci" },
    });
  });

  it("reads a managed key's state at every request, so a revocation holds for a key already seen", () => {
    const managed: ManagedKey = {
      id: "key_abcdefabcdef",
      name: "agent",
      digest: hexDigest("lgw_managed-secret"),
      secretHint: "lgw_…cret",
      projects: ["p"],
      limits: {},
      metadata: {},
      createdAtMs: 0,
      updatedAtMs: 0,
    };
    const keys = new ClientKeys([{ name: "admin", key: "admin-key-0123456789", projects: "*" }], {
      keyByDigest: (digest) => (digest === managed.digest ? managed : undefined),
    });
    expect(keys.authenticate("lgw_managed-secret")).toMatchObject({
      ok: true,
      principal: { keyName: "agent" },
    });
    managed.revokedAtMs = 1;
    expect(keys.authenticate("lgw_managed-secret")).toEqual({ ok: false, reason: "revoked" });
  });
});

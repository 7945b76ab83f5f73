import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../../core/upstream-error.js";
import { createFakeServiceAccount } from "../../fakes/vertex/fake-google-oauth.js";
import { createFakeVertex, type FakeVertex } from "../../fakes/vertex/fake-vertex.js";
import { createGoogleCloudAuthHeaders } from "./google-cloud-auth-headers.js";

let fake: FakeVertex;
beforeAll(async () => {
  fake = await createFakeVertex();
});
afterAll(() => fake.close());

describe("createGoogleCloudAuthHeaders", () => {
  it("exchanges the key file's signed assertion at its token_uri for a bearer token, then reuses it", async () => {
    const headers = createGoogleCloudAuthHeaders("vertex", {
      project: "fake-project",
      location: fake.location,
      credentialsFile: fake.account.credentialsFile,
    });
    const before = fake.oauth.tokensIssued;
    const first = await headers();
    expect(first.authorization).toMatch(/^Bearer ya29\.fake-/);
    expect(fake.oauth.accepts(first.authorization)).toBe(true);
    expect(await headers()).toEqual(first);
    expect(fake.oauth.tokensIssued).toBe(before + 1);
  });

  it("a refused assertion is a misconfigured deployment, named without key, assertion or token", async () => {
    // Another key pair: the token endpoint cannot verify its signature.
    const stranger = createFakeServiceAccount(fake.tokenUrl);
    const headers = createGoogleCloudAuthHeaders("vertex", {
      project: "fake-project",
      location: fake.location,
      credentialsFile: stranger.credentialsFile,
    });
    const error = await headers().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      kind: "misconfigured",
      message:
        "vertex: could not get a Google Cloud access token (the token endpoint answered 400 invalid_grant)",
    });
    expect((error as UpstreamError).cause).toBeUndefined();
    const shown = JSON.stringify(error) + String(error);
    expect(shown).not.toContain(stranger.privateKeyPem.split("\n")[1]);
    expect(shown).not.toMatch(/eyJ/);
  });
});

import { generateKeyPairSync, randomBytes, verify } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The audience google-auth-library signs a service account's assertion for. */
const googleTokenUrl = "https://oauth2.googleapis.com/token";
const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

/** A service account made for a test: its key file (token_uri at the fake), and the public key to check it. */
export interface FakeServiceAccount {
  clientEmail: string;
  projectId: string;
  /** A service-account JSON key file, as the Cloud console downloads it. */
  credentialsFile: string;
  publicKeyPem: string;
  /** The private key, for tests that assert it never appears anywhere. */
  privateKeyPem: string;
}

/** A fresh RSA key pair and a key file pointing its `token_uri` at `tokenUri`. */
export function createFakeServiceAccount(tokenUri: string, projectId = "fake-project"): FakeServiceAccount {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const clientEmail = `gateway@${projectId}.iam.gserviceaccount.com`;
  const credentialsFile = join(mkdtempSync(join(tmpdir(), "fake-vertex-")), "service-account.json");
  writeFileSync(
    credentialsFile,
    JSON.stringify({
      type: "service_account",
      project_id: projectId,
      private_key_id: randomBytes(20).toString("hex"),
      private_key: privateKeyPem,
      client_email: clientEmail,
      client_id: "100000000000000000001",
      auth_uri: "https://accounts.google.com/o/oauth2/auth",
      token_uri: tokenUri,
      universe_domain: "googleapis.com",
    }),
  );
  return {
    clientEmail,
    projectId,
    credentialsFile,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKeyPem,
  };
}

/**
 * Google's OAuth token endpoint for the JWT-bearer grant
 * (developers.google.com/identity/protocols/oauth2/service-account#httprest):
 * checks the RS256 assertion against the service account's public key, its
 * issuer, audience, scope and times, and issues access tokens that expire.
 */
export class FakeGoogleOAuth {
  private readonly issued = new Map<string, number>();
  /** Token requests answered with a token. */
  tokensIssued = 0;
  /** Seconds an issued token lives: short to make the library fetch again. */
  tokenLifetimeSeconds = 3600;

  constructor(private readonly account: { clientEmail: string; publicKeyPem: string }) {}

  /** The answer to a token request's form body: status and JSON. */
  exchange(formBody: string): { status: number; body: unknown } {
    const form = new URLSearchParams(formBody);
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return invalidGrant("unsupported_grant_type", "Invalid grant_type: ");
    }
    const refusal = this.assertionRefusal(form.get("assertion") ?? "");
    if (refusal) return invalidGrant("invalid_grant", refusal);
    const accessToken = `ya29.fake-${randomBytes(24).toString("base64url")}`;
    this.issued.set(accessToken, Date.now() + this.tokenLifetimeSeconds * 1000);
    this.tokensIssued += 1;
    return {
      status: 200,
      body: { access_token: accessToken, expires_in: this.tokenLifetimeSeconds, token_type: "Bearer" },
    };
  }

  /** Whether `authorization` carries a token this endpoint issued and that has not expired. */
  accepts(authorization: string | undefined): boolean {
    const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
    const expiresAt = token ? this.issued.get(token) : undefined;
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  private assertionRefusal(assertion: string): string | undefined {
    const [header, payload, signature] = assertion.split(".");
    if (!header || !payload || !signature)
      return "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe";
    const head = JSON.parse(Buffer.from(header, "base64url").toString()) as { alg?: string };
    if (head.alg !== "RS256") return "Invalid JWT Signature.";
    const signed = verify(
      "RSA-SHA256",
      Buffer.from(`${header}.${payload}`),
      this.account.publicKeyPem,
      Buffer.from(signature, "base64url"),
    );
    if (!signed) return "Invalid JWT Signature.";
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const now = Date.now() / 1000;
    if (claims.iss !== this.account.clientEmail) return "Invalid email or User ID";
    if (claims.aud !== googleTokenUrl) return "Invalid JWT: Failed audience check.";
    if (
      !String(claims.scope ?? "")
        .split(" ")
        .includes(cloudPlatformScope)
    ) {
      return "Invalid OAuth scope or ID token audience provided.";
    }
    const issuedAt = Number(claims.iat);
    const expiresAt = Number(claims.exp);
    if (!(issuedAt <= now + 300 && expiresAt > now && expiresAt - issuedAt <= 3600)) {
      return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";
    }
    return undefined;
  }
}

function invalidGrant(error: string, description: string): { status: number; body: unknown } {
  return { status: 400, body: { error, error_description: description } };
}

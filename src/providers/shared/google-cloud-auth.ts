import { readFileSync } from "node:fs";
import { GoogleAuth } from "google-auth-library";

const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";
/** Where google-auth-library sends a service account's signed assertion, whatever the key file says. */
const googleTokenUrl = "https://oauth2.googleapis.com/token";

/**
 * The library's client for a key file. It signs its assertion for Google's
 * token endpoint and ignores the file's `token_uri`; a file naming another
 * endpoint (a private endpoint, a proxy, a test's fake) has its token
 * requests sent there.
 */
export function createGoogleCloudAuth(credentialsFile: string | undefined): GoogleAuth {
  if (!credentialsFile) return new GoogleAuth({ scopes: [cloudPlatformScope] });
  const credentials = JSON.parse(readFileSync(credentialsFile, "utf8")) as Parameters<
    GoogleAuth["fromJSON"]
  >[0] & {
    token_uri?: unknown;
  };
  const client = new GoogleAuth({ scopes: [cloudPlatformScope] }).fromJSON(credentials);
  const tokenUri = typeof credentials.token_uri === "string" ? credentials.token_uri : googleTokenUrl;
  if (tokenUri !== googleTokenUrl) {
    client.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (String(options.url) === googleTokenUrl) options.url = new URL(tokenUri);
        return options;
      },
    });
  }
  return new GoogleAuth({ authClient: client });
}

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { FakeResponse, RecordedCall } from "../fake-upstream-server.js";

/** Who the fake lets in: access keys it knows the secrets of, and Bedrock API keys. */
export interface FakeBedrockIdentity {
  region: string;
  accessKeys: Array<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
  apiKeys: string[];
}

/** SigV4 allows 5 minutes between the request's `x-amz-date` and the server's clock. */
const allowedSkewMs = 5 * 60 * 1000;

/**
 * AWS's checks on who sent a request, as Bedrock answers them (all 403, the
 * type in `x-amzn-ErrorType`): no credentials (MissingAuthenticationTokenException),
 * an access key or token it does not know (UnrecognizedClientException), and
 * a SigV4 signature that differs from the one recomputed here with the
 * key's secret over the request as received (InvalidSignatureException).
 * The recomputation is written from the SigV4 specification
 * (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), not
 * with the signer the gateway uses, so the two check each other.
 */
export function bedrockAuthRefusalOf(
  call: RecordedCall,
  identity: FakeBedrockIdentity,
  now = Date.now(),
): FakeResponse | undefined {
  const authorization = header(call, "authorization");
  if (!authorization) return refusal("MissingAuthenticationTokenException", "Missing Authentication Token");
  const bearer = /^Bearer (.+)$/.exec(authorization)?.[1];
  if (bearer !== undefined) {
    return identity.apiKeys.includes(bearer)
      ? undefined
      : refusal("UnrecognizedClientException", "Invalid API Key format: Must start with pre-defined prefix");
  }
  const parts =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!parts)
    return refusal(
      "IncompleteSignatureException",
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
    );
  const [, accessKeyId = "", date = "", region = "", service = "", signedHeaderList = "", signature = ""] =
    parts;
  const key = identity.accessKeys.find((candidate) => candidate.accessKeyId === accessKeyId);
  if (!key)
    return refusal("UnrecognizedClientException", "The security token included in the request is invalid.");
  if (key.sessionToken !== undefined && header(call, "x-amz-security-token") !== key.sessionToken) {
    return refusal("UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  const signedHeaders = signedHeaderList.split(";");
  const amzDate = header(call, "x-amz-date") ?? "";
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date") || !amzDate.startsWith(date)) {
    return refusal(
      "IncompleteSignatureException",
      "'Host' and 'X-Amz-Date' must be signed, and the credential date must match X-Amz-Date.",
    );
  }
  if (key.sessionToken !== undefined && !signedHeaders.includes("x-amz-security-token")) {
    return refusal("InvalidSignatureException", "X-Amz-Security-Token must be signed.");
  }
  if (!(Math.abs(now - parseAmzDate(amzDate)) <= allowedSkewMs)) {
    return refusal(
      "InvalidSignatureException",
      `Signature expired: ${amzDate} is now earlier or later than the allowed 5 minutes.`,
    );
  }
  if (region !== identity.region || service !== "bedrock") {
    return refusal(
      "InvalidSignatureException",
      `Credential should be scoped to a valid region and to the correct service: '${identity.region}', 'bedrock'.`,
    );
  }
  const expected = sigV4Signature(call, {
    secretAccessKey: key.secretAccessKey,
    date,
    region,
    service,
    amzDate,
    signedHeaders,
  });
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return refusal(
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return undefined;
}

function sigV4Signature(
  call: RecordedCall,
  scope: {
    secretAccessKey: string;
    date: string;
    region: string;
    service: string;
    amzDate: string;
    signedHeaders: string[];
  },
): Buffer {
  const canonicalHeaders = scope.signedHeaders
    .map((name) => `${name}:${(header(call, name) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const payloadHash = header(call, "x-amz-content-sha256") ?? sha256Hex(call.bodyText);
  const canonicalRequest = [
    call.method,
    canonicalUri(call.path),
    canonicalQuery(call.query),
    canonicalHeaders,
    scope.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", scope.amzDate, credentialScope, sha256Hex(canonicalRequest)].join(
    "\n",
  );
  let signingKey = hmac(`AWS4${scope.secretAccessKey}`, scope.date);
  for (const part of [scope.region, scope.service, "aws4_request"]) signingKey = hmac(signingKey, part);
  return hmac(signingKey, stringToSign);
}

/** Every service but S3 encodes each path segment of the URI as sent once more (RFC 3986 unreserved kept). */
function canonicalUri(path: string): string {
  const segments = path.split("/").filter((segment) => segment !== "" && segment !== ".");
  const encoded = segments.map((segment) =>
    encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  );
  return `/${encoded.join("/")}${path.endsWith("/") && segments.length > 0 ? "/" : ""}`;
}

function canonicalQuery(query: URLSearchParams): string {
  return [...query.entries()]
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .sort()
    .join("&");
}

function parseAmzDate(amzDate: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!match) return Number.NaN;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
}

function header(call: RecordedCall, name: string): string | undefined {
  const value = call.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function hmac(key: string | Buffer, text: string): Buffer {
  return createHmac("sha256", key).update(text, "utf8").digest();
}

/** Bedrock's error answer: `{message}` and the type in `x-amzn-ErrorType`. */
export function bedrockErrorReply(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): FakeResponse {
  return {
    type: "json",
    status,
    headers: {
      "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      "x-amzn-requestid": crypto.randomUUID(),
      ...headers,
    },
    body: { message },
  };
}

function refusal(type: string, message: string): FakeResponse {
  return bedrockErrorReply(403, type, message);
}

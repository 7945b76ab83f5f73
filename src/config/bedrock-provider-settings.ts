import type { ProviderSettings } from "../core/provider-adapter.js";
import { ConfigError } from "./config-error.js";

/** The AWS variables a Bedrock entry reads, named as the AWS SDKs and CLI name them. */
export interface BedrockEnv {
  AWS_REGION?: string;
  AWS_DEFAULT_REGION?: string;
  AWS_ACCESS_KEY_ID?: string;
  AWS_SECRET_ACCESS_KEY?: string;
  AWS_SESSION_TOKEN?: string;
  AWS_BEARER_TOKEN_BEDROCK?: string;
  AWS_ENDPOINT_URL_BEDROCK_RUNTIME?: string;
  BEDROCK_BASE_URL?: string;
}

export interface BedrockFileEntry {
  api_key?: string;
  base_url?: string;
  bedrock?: { region?: string; access_key_id?: string; secret_access_key?: string; session_token?: string };
}

/**
 * A `kind: bedrock` entry. Region: the entry's, else `AWS_REGION`, else
 * `AWS_DEFAULT_REGION`. Auth: a Bedrock API key (`api_key`, else
 * `AWS_BEARER_TOKEN_BEDROCK`) wins; else access keys from the entry, else from
 * `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`. Endpoint:
 * `base_url`, else `BEDROCK_BASE_URL`, else `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`
 * (the AWS SDK's own override), else the region's public endpoint. With
 * neither key nor access keys the entry is unconfigured (`apiKey` undefined).
 */
export function buildBedrockProviderSettings(
  name: string,
  env: BedrockEnv,
  entry: BedrockFileEntry,
  timeouts: ProviderSettings["timeouts"],
): ProviderSettings {
  const region = entry.bedrock?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigError(
      `Invalid configuration: providers.${name}.bedrock.region is required (or AWS_REGION / AWS_DEFAULT_REGION)`,
    );
  }
  const fromEntry = entry.bedrock;
  if ((fromEntry?.access_key_id === undefined) !== (fromEntry?.secret_access_key === undefined)) {
    throw new ConfigError(
      `Invalid configuration: providers.${name}.bedrock needs access_key_id and secret_access_key together`,
    );
  }
  const credentials =
    fromEntry?.access_key_id && fromEntry.secret_access_key
      ? {
          accessKeyId: fromEntry.access_key_id,
          secretAccessKey: fromEntry.secret_access_key,
          ...(fromEntry.session_token ? { sessionToken: fromEntry.session_token } : {}),
        }
      : env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          }
        : undefined;
  const bearerToken = entry.api_key ?? env.AWS_BEARER_TOKEN_BEDROCK;
  const baseUrl =
    entry.base_url ??
    env.BEDROCK_BASE_URL ??
    env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME ??
    `https://bedrock-runtime.${region}.amazonaws.com`;
  return {
    name,
    kind: "bedrock",
    // What the rest of the gateway reads as "configured", and redacts from stored requests.
    apiKey: bearerToken ?? credentials?.accessKeyId,
    baseUrl: baseUrl.replace(/\/+$/, ""),
    timeouts,
    bedrock: {
      region,
      ...(bearerToken ? { bearerToken } : {}),
      ...(credentials ? { credentials } : {}),
    },
  };
}

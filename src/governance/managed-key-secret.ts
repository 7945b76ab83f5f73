import { createHash, randomBytes } from "node:crypto";

/** RFC 4648 base32, lower case: ids read well in URLs and logs and survive case-folding tools. */
const base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

/** `key_` and 12 base32 characters (60 random bits): unique among any plausible number of keys. */
export function newManagedKeyId(): string {
  const bytes = randomBytes(12);
  let id = "key_";
  for (const byte of bytes) id += base32Alphabet[byte & 31];
  return id;
}

/** `lgw_` and 43 base64url characters: 32 random bytes, the only copy of which the caller gets. */
export function newManagedKeySecret(): string {
  return `lgw_${randomBytes(32).toString("base64url")}`;
}

/** Hex SHA-256: what is stored and looked up instead of the secret. */
export function secretDigest(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Enough to tell keys apart on a screen, too little to guess from. */
export function secretHint(secret: string): string {
  return `lgw_…${secret.slice(-4)}`;
}

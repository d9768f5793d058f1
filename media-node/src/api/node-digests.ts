import { createHmac, hash } from "node:crypto";
import type { AuthDigests } from "@huddle/protocol";

const EMPTY_SHA256 = hash("sha256", "", "hex");

/**
 * The signature hashes with node:crypto: synchronous, on the calling thread. WebCrypto's (the
 * protocol's default) each hop to the libuv thread pool and back, twice per request, which was
 * the largest single cost of an API call here.
 */
export const nodeDigests: AuthDigests = {
  // crypto.hash: one call into C++ (createHash makes a Hash object and crosses three times).
  sha256Hex: (body) => (body === undefined || body.length === 0 ? EMPTY_SHA256 : hash("sha256", body, "hex")),
  hmacSha256Hex: (secret, message) => createHmac("sha256", secret).update(message).digest("hex"),
};

import type { IncomingMessage } from "node:http";
import { type AuthFailure, constantTimeEqual, type ReplayGuard, verifyRequest } from "@huddle/protocol";
import { nodeDigests } from "./node-digests.ts";

export type AuthOptions = { secret: string; replay: ReplayGuard; metricsToken: string | undefined };

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? undefined : value;
}

/** Checks the HMAC headers of a request (and, for metrics, the optional bearer token). */
export async function authenticate(
  req: IncomingMessage,
  body: Buffer,
  options: AuthOptions,
  allowMetricsToken: boolean,
): Promise<AuthFailure | undefined> {
  if (allowMetricsToken && options.metricsToken !== undefined) {
    const authorization = header(req, "authorization");
    if (authorization?.startsWith("Bearer ") && constantTimeEqual(authorization.slice(7), options.metricsToken)) {
      return undefined;
    }
  }
  const result = await verifyRequest({
    secret: options.secret,
    method: req.method ?? "",
    pathWithQuery: req.url ?? "",
    header: (name) => header(req, name),
    body,
    replay: options.replay,
    digests: nodeDigests,
  });
  return result.ok ? undefined : result.reason;
}

// A signed JSON client of a media node for benchmarks: node:http over kept-alive connections and
// node:crypto hashes, so the client's own cost (undici's fetch, WebCrypto's thread-pool hops) does
// not crowd the node it measures on a small machine. The node sees exactly the requests the edge
// sends (same paths, bodies and signature headers).
import { Agent, request } from "node:http";
import { signRequest } from "@huddle/protocol";
import { nodeDigests } from "../../media-node/src/api/node-digests.ts";

export type SignedCall = <T>(method: string, path: string, json?: unknown) => Promise<T>;

/** `call(method, path, json?)`: the parsed body of a 2xx answer; anything else rejects with status and body. */
export function signedHttpClient(baseUrl: string, secret: string): { call: SignedCall; close: () => void } {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const call = async <T>(method: string, path: string, json?: unknown): Promise<T> => {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const headers: Record<string, string | number> = await signRequest({
      secret,
      method,
      url: path,
      body,
      digests: nodeDigests,
    });
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(body);
    }
    return new Promise<T>((resolve, reject) => {
      const req = request({ agent, host: url.hostname, port: url.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) reject(new Error(`${method} ${path}: ${status} ${text.slice(0, 300)}`));
          else resolve((text.length > 0 ? JSON.parse(text) : undefined) as T);
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  };
  return { call, close: () => agent.destroy() };
}

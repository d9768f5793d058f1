import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import { WEB_DIST } from "../../support/paths.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

export interface StaticSite {
  /** http://127.0.0.1:PORT: web/dist at `/`, and again at `/configured/` with a config.json. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * web/dist served like a CDN would, on its own origin (not the edge's): at `/` as built, and
 * at `/configured/` with a `config.json` that names the edge (`configFor()` gives its body).
 */
export function startStaticSite(configFor: () => object): Promise<StaticSite> {
  const server: Server = createServer(async (request, response) => {
    let path = decodeURIComponent(new URL(request.url ?? "/", "http://site").pathname);
    if (path === "/configured/config.json") {
      response.setHeader("content-type", TYPES[".json"] ?? "");
      response.end(JSON.stringify(configFor()));
      return;
    }
    if (path.startsWith("/configured/")) path = path.slice("/configured".length);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(WEB_DIST, path));
    if (!file.startsWith(WEB_DIST)) {
      response.statusCode = 403;
      response.end();
      return;
    }
    try {
      const body = await readFile(file);
      response.setHeader("content-type", TYPES[extname(file)] ?? "application/octet-stream");
      response.end(body);
    } catch {
      response.statusCode = 404;
      response.end("not found");
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

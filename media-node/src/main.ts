// Entry point: `node media-node/src/main.ts`, configured by MEDIA_NODE_* environment variables.
import { ConfigError, configFromEnv } from "./config.ts";
import { createLogger } from "./log.ts";
import { startMediaNode } from "./node.ts";

let config: ReturnType<typeof configFromEnv>;
try {
  config = configFromEnv(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

const log = createLogger(config.logLevel);
process.on("unhandledRejection", (error) => log.error("unhandled rejection", { error }));

try {
  const node = await startMediaNode(config, log);
  process.stdout.write(`media-node listening on ${node.url} (public ${node.publicUrl}, ${config.workers} workers)\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    node.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error("close failed", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
} catch (error) {
  log.error("media node failed to start", { error });
  process.exit(1);
}

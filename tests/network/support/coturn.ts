// Debian's coturn (`turnserver`) for a test: loopback only, the TURN REST API shared secret
// (`use-auth-secret` + `static-auth-secret`, the scheme edge/src/room/turn-credentials.ts
// signs), its database, pid file and log in a scratch folder removed on stop.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, startChild } from "../../support/processes.ts";

export const TURNSERVER = process.env.HUDDLE_TURNSERVER ?? "/usr/bin/turnserver";

export interface Coturn {
  child: Child;
  /** Its log lines so far (allocations, errors). */
  lines: string[];
  stop(): Promise<void>;
}

export async function startCoturn(port: number, secret: string): Promise<Coturn> {
  if (!existsSync(TURNSERVER)) throw new Error(`no ${TURNSERVER}: install Debian's coturn (apt-get install coturn)`);
  const scratch = mkdtempSync(join(tmpdir(), "huddle-coturn-"));
  const lines: string[] = [];
  let ready: () => void = () => {};
  const listening = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const child = startChild(
    "coturn",
    TURNSERVER,
    [
      "-n", // no configuration file: everything is on this line
      `--listening-ip=127.0.0.1`,
      `--relay-ip=127.0.0.1`,
      `--listening-port=${port}`,
      "--min-port=50000",
      "--max-port=50999",
      "--use-auth-secret",
      `--static-auth-secret=${secret}`,
      "--realm=huddle.test",
      "--fingerprint",
      "--no-tls",
      "--no-dtls",
      "--no-cli",
      "--allow-loopback-peers", // every peer here is on loopback (the test's namespace)
      `--userdb=${join(scratch, "turndb")}`,
      `--pidfile=${join(scratch, "turnserver.pid")}`,
      "--log-file=stdout",
      "--simple-log",
      "--verbose", // one line per allocation, with the user name it authenticated
    ],
    {
      onLine: (line) => {
        lines.push(line);
        if (/SQLite DB connection success|Total General servers/.test(line)) ready();
      },
    },
  );
  void child.gone.then(() => rmSync(scratch, { recursive: true, force: true }));
  await Promise.race([
    listening,
    child.exited.then((code) => {
      throw new Error(`turnserver exited (${code}) before it listened:\n${child.tail()}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`turnserver did not start within 20 s:\n${child.tail()}`)), 20_000).unref(),
    ),
  ]).catch(async (error: unknown) => {
    await child.stop();
    throw error;
  });
  return { child, lines, stop: () => child.stop() };
}

import { type ChildProcess, spawn } from "node:child_process";

/**
 * One GStreamer process (`gst-launch-1.0 -e`) recording one RTP stream into
 * a file without transcoding. It runs under a small `sh` wrapper that sends
 * it SIGINT when its stdin closes: on stop() and also when this node dies
 * (even by kill -9 the pipe closes), so the file is always finished (EOS:
 * duration and cues written) and no recorder is left behind. Clusters of at
 * most a second are written as they close, so a file cut by a crash of the
 * recorder itself still plays up to then.
 */
export class RecorderProcess {
  readonly #child: ChildProcess;
  readonly exited: Promise<number | null>;
  #stderr = "";

  constructor(gstLaunchPath: string, pipeline: string[]) {
    // fd 3 is this node's end of the pipe: when it reads EOF, gst-launch ($$ after exec) gets SIGINT.
    const script = 'exec 3<&0; (read -r _ <&3; kill -INT $$ 2>/dev/null) & exec "$0" "$@" 3<&- </dev/null';
    this.#child = spawn("sh", ["-c", script, gstLaunchPath, "-q", "-e", ...pipeline], {
      stdio: ["pipe", "ignore", "pipe"],
    });
    this.#child.stderr?.setEncoding("utf8");
    this.#child.stderr?.on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    this.#child.stdin?.on("error", () => {});
    this.exited = new Promise((resolve) => {
      this.#child.once("exit", (code) => {
        this.#child.stdin?.destroy();
        resolve(code);
      });
      this.#child.once("error", (error) => {
        this.#stderr += String(error);
        resolve(-1);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The recorder's last error lines. */
  get stderr(): string {
    return this.#stderr.trim();
  }

  /** Asks the recorder to finish the file (SIGINT through the wrapper: EOS); SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<number | null> {
    this.#child.stdin?.end();
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

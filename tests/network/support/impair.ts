// Impairments of the clients' media traffic, applied ONLY to the `lo` of the loopback-only
// network namespace that tests/network/run.ts re-executes in (this kernel has no sch_netem):
//   loss       iptables `-m statistic --mode random` DROP rules
//   blackout   iptables DROP of everything to and from the media address
//   blockUdp   iptables DROP of every UDP datagram on lo (a firewall that lets only TCP through)
//   capBandwidth  an htb class (with a u32 filter on the receiver's port) on lo's egress
//   delay      the tests' own relay in front of the media node (./media-relay.ts)
// Each returns an `undo()` that removes exactly what it added; tests call it in finally/afterEach.
// Rules match the client-facing media address only (the relay's 127.0.0.2:PORT), never the
// edge <-> media node API nor the relay's own leg to the node.
import { execFileSync } from "node:child_process";
import { insideNamespace } from "../../support/netns.ts";
import type { MediaRelay } from "./media-relay.ts";

export type Undo = () => Promise<void>;

/** The address clients send media to (the media node's announced address). */
export interface MediaAddress {
  ip: string;
  port: number;
}

function guard(): void {
  if (!insideNamespace()) {
    throw new Error("impairments only inside the loopback-only namespace: run the suite with `npm run test:network`");
  }
}

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Adds iptables INPUT rules (each packet on lo passes INPUT exactly once); undo deletes them again. */
function rules(specs: string[][]): Undo {
  guard();
  const added: string[][] = [];
  try {
    for (const spec of specs) {
      run("iptables", ["-I", "INPUT", "-i", "lo", ...spec]);
      added.push(spec);
    }
  } catch (error) {
    for (const spec of added) run("iptables", ["-D", "INPUT", "-i", "lo", ...spec]);
    throw error;
  }
  let undone = false;
  return async () => {
    if (undone) return;
    undone = true;
    for (const spec of added) run("iptables", ["-D", "INPUT", "-i", "lo", ...spec]);
  };
}

/** Both directions between the clients and `media` (protocol: udp, tcp). */
function bothWays(media: MediaAddress, protocol: "udp" | "tcp", target: string[]): string[][] {
  const port = String(media.port);
  return [
    ["-p", protocol, "-d", media.ip, "--dport", port, ...target],
    ["-p", protocol, "-s", media.ip, "--sport", port, ...target],
  ];
}

/** Drops `percent` % of the media datagrams at random, each direction on its own. */
export function loss(media: MediaAddress, percent: number): Undo {
  if (!(percent > 0 && percent < 100)) throw new Error(`loss: ${percent} % is not between 0 and 100`);
  const probability = (percent / 100).toFixed(4);
  return rules(
    bothWays(media, "udp", ["-m", "statistic", "--mode", "random", "--probability", probability, "-j", "DROP"]),
  );
}

/** Nothing gets through between the clients and the media node, UDP or TCP. */
export function blackout(media: MediaAddress): Undo {
  return rules([...bothWays(media, "udp", ["-j", "DROP"]), ...bothWays(media, "tcp", ["-j", "DROP"])]);
}

/** Every UDP datagram on lo is dropped: media has to go over TCP (signaling is TCP already). */
export function blockUdp(): Undo {
  return rules([["-p", "udp", "-j", "DROP"]]);
}

let capped = false;

/**
 * Shapes what is sent TO one local UDP port (a receiver's end of its media transport) to `kbit`
 * kbit/s with an htb class, the rest of lo unshaped. One cap at a time.
 */
export function capBandwidth(receiverPort: number, kbit: number): Undo {
  guard();
  if (capped) throw new Error("capBandwidth: one cap at a time");
  const tc = (...args: string[]) => run("tc", args);
  tc("qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb", "default", "1", "r2q", "1000");
  capped = true;
  try {
    tc("class", "add", "dev", "lo", "parent", "1:", "classid", "1:1", "htb", "rate", "10gbit");
    // A small queue (burst of a few packets) as a congested access link has, not a deep buffer.
    tc(
      "class",
      "add",
      "dev",
      "lo",
      "parent",
      "1:",
      "classid",
      "1:2",
      "htb",
      "rate",
      `${kbit}kbit`,
      "ceil",
      `${kbit}kbit`,
    );
    tc("qdisc", "add", "dev", "lo", "parent", "1:2", "handle", "2:", "pfifo", "limit", "30");
    tc(
      "filter",
      "add",
      "dev",
      "lo",
      "parent",
      "1:",
      "protocol",
      "ip",
      "prio",
      "1",
      "u32",
      "match",
      "ip",
      "protocol",
      "17",
      "0xff",
      "match",
      "ip",
      "dport",
      String(receiverPort),
      "0xffff",
      "flowid",
      "1:2",
    );
  } catch (error) {
    tc("qdisc", "del", "dev", "lo", "root");
    capped = false;
    throw error;
  }
  return async () => {
    if (!capped) return;
    tc("qdisc", "del", "dev", "lo", "root");
    capped = false;
  };
}

/** Holds every datagram through the relay `ms` +- `jitter` ms (uniform; so they also reorder). */
export function delay(relay: MediaRelay, ms: number, jitter = 0): Undo {
  guard();
  relay.setDelay(ms, jitter);
  return async () => relay.setDelay(0, 0);
}

/** What iptables and tc have in place now (for a failure's report). */
export function describeImpairments(): string {
  try {
    const iptables = execFileSync("iptables", ["-S", "INPUT"], { encoding: "utf8" });
    const tc = execFileSync("tc", ["qdisc", "show", "dev", "lo"], { encoding: "utf8" });
    return `${iptables}${tc}`;
  } catch (error) {
    return String(error);
  }
}

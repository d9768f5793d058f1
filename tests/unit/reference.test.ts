import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { clientData } from "../../protocol/src/client.ts";
import { ERROR_CODES } from "../../protocol/src/errors.ts";
import { REFERENCE_PATH, renderReference } from "../../protocol/src/reference.ts";
import { serverData } from "../../protocol/src/server.ts";

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), "utf8");

/** The lines of `text` from the heading `start` up to the next heading of the same or a higher level. */
function section(text: string, start: string): string[] {
  const lines = text.split("\n");
  const from = lines.indexOf(start);
  if (from === -1) throw new Error(`no heading "${start}"`);
  const level = /^#+/.exec(start)?.[0].length ?? 2;
  const end = lines.findIndex(
    (line, i) => i > from && /^#+ /.test(line) && (/^#+/.exec(line)?.[0].length ?? 0) <= level,
  );
  return lines.slice(from + 1, end === -1 ? undefined : end);
}

/** The names in the first column of the first Markdown table in `lines` (`a` / `b` cells give both). */
function firstColumn(lines: string[]): string[] {
  const start = lines.findIndex((line) => line.startsWith("|"));
  const end = lines.findIndex((line, i) => i > start && !line.startsWith("|"));
  return lines
    .slice(start, end === -1 ? undefined : end)
    .filter((line) => line.startsWith("| `"))
    .flatMap((line) => (line.split("|")[1] ?? "").split(" / ").map((cell) => cell.trim().replace(/^`|`$/g, "")));
}

/** The `### \`name\`` headings of one section of the generated reference. */
function headings(lines: string[]): string[] {
  return lines.flatMap((line) => /^### `([^`]+)`$/.exec(line)?.[1] ?? []);
}

const sorted = (names: Iterable<string>) => [...names].sort();

// The contract (docs/protocol.md) is written by hand; the schemas (protocol/src) and the reference
// generated from them must name exactly the message types and error codes it names.
const contract = read("docs/protocol.md");
const contractClient = sorted(firstColumn(section(contract, "## Client -> server")));
const contractServer = sorted(firstColumn(section(contract, "## Server -> client")));
const contractErrors = sorted(firstColumn(section(contract, "### Error codes")));

describe("docs/protocol-reference.md", () => {
  it("is what the schemas generate (run `npm run protocol:gen` after changing protocol/src)", () => {
    expect(
      read(REFERENCE_PATH) === renderReference(),
      "docs/protocol-reference.md is stale: run `npm run protocol:gen`",
    ).toBe(true);
  });

  it("the contract's tables are read (a broken table would make every comparison below empty)", () => {
    expect(contractClient).toContain("join-room");
    expect(contractServer).toContain("webRtcTransportCreated");
    expect(contractErrors).toContain("rate-limited");
  });

  it("the schemas have exactly the message types and error codes of the contract, docs/protocol.md", () => {
    expect(sorted(Object.keys(clientData))).toEqual(contractClient);
    expect(sorted(Object.keys(serverData))).toEqual(contractServer);
    expect(sorted(ERROR_CODES)).toEqual(contractErrors);
  });

  it("documents each message type of the contract once, in its direction, and every error code", () => {
    const reference = read(REFERENCE_PATH);
    expect(sorted(headings(section(reference, "## Client -> server")))).toEqual(contractClient);
    expect(sorted(headings(section(reference, "## Server -> client")))).toEqual(contractServer);
    const codes = section(reference, "## Error codes").join(" ");
    expect(sorted(codes.match(/`[a-z-]+`/g)?.map((code) => code.slice(1, -1)) ?? [])).toEqual(contractErrors);
  });
});

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { REFERENCE_PATH, renderReference } from "../../protocol/src/reference.ts";

describe("docs/protocol-reference.md", () => {
  it("is what the schemas generate (run `npm run protocol:gen` after changing protocol/src)", () => {
    const committed = readFileSync(fileURLToPath(new URL(`../../${REFERENCE_PATH}`, import.meta.url)), "utf8");
    expect(committed === renderReference(), "docs/protocol-reference.md is stale: run `npm run protocol:gen`").toBe(
      true,
    );
  });

  it("documents every message type and error code", () => {
    const text = renderReference();
    for (const heading of ["### `join-room`", "### `webRtcTransportCreated`", "### `media-reset`", "`rate-limited`"]) {
      expect(text).toContain(heading);
    }
  });
});

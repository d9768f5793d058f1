// memoizeAccepted (protocol/src/mediasoup.ts), the media node's fast path for the rtpCapabilities of
// every consume: whatever sequence of inputs it sees, hostile ones included, it accepts and refuses
// exactly what the full schema does, with the same issues, and answers repeats from memory.
import { AppData, memoizeAccepted, RtpCapabilities } from "@huddle/protocol";
import fc from "fast-check";
import * as fakeParameters from "mediasoup-client/fakeParameters";
import { describe, expect, it } from "vitest";
import { type Path, pathsOf } from "../support/json-paths.ts";
import { fuzzParameters } from "./fuzz-runs.ts";
import { rtpCapabilities as sampleCapabilities } from "./samples.ts";

const FUZZ = fuzzParameters<unknown>(200);

/** A router's full capabilities (mediasoup-client's fake ones: every codec and extension it knows). */
const routerCapabilities = fakeParameters.generateRouterRtpCapabilities() as unknown;
const BASES = [sampleCapabilities, routerCapabilities, { codecs: [] }, {}];

/**
 * Values JSON.stringify cannot write, as placeholders replaced in the text: `-0`, a number that
 * parses to Infinity, an array nested deeper than any stack, and keys that reach prototypes.
 */
const HOSTILE_TEXT: Record<string, string> = {
  '"@NEG0@"': "-0",
  '"@INF@"': "1e999",
  '"@NEGINF@"': "-1e999",
  '"@DEEP@"': `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
};
const hostileValue = fc.oneof(
  fc.constantFrom("@NEG0@", "@INF@", "@NEGINF@", "@DEEP@", null, true, "", "null", 0, -1, 2 ** 32, 1.5),
  fc.constantFrom("x".repeat(300), "audio/opus", "video/VP8", "urn:ietf:params:rtp-hdrext:sdes:mid", "sendrecv"),
  fc.jsonValue({ maxDepth: 3 }),
);
const hostileKey = fc.constantFrom("__proto__", "constructor", "prototype", "", "x".repeat(70), "extra", "kind");

function render(value: unknown): string {
  let text = JSON.stringify(value);
  for (const [placeholder, replacement] of Object.entries(HOSTILE_TEXT))
    text = text.replaceAll(placeholder, replacement);
  // A key written as @KEY:name@ becomes the plain key `name` (JSON.parse makes `__proto__` an own key).
  return text.replace(/"@KEY:([^@"]*)@"/g, (_, name: string) => JSON.stringify(name));
}

/** A base value with one path replaced by a hostile value, or given a hostile extra key, as JSON text. */
const mutatedText = fc
  .record({
    base: fc.constantFrom(...BASES),
    pick: fc.nat(),
    value: hostileValue,
    key: fc.option(hostileKey, { nil: undefined }),
  })
  .map(({ base, pick, value, key }) => {
    const copy = structuredClone(base) as Record<string | number, unknown>;
    const paths = pathsOf(copy);
    const path = paths[pick % paths.length] as Path;
    if (path.length === 0) return render(key === undefined ? value : { ...copy, [`@KEY:${key}@`]: value });
    let parent: Record<string | number, unknown> = copy;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    const target = parent[last];
    if (key !== undefined && typeof target === "object" && target !== null && !Array.isArray(target)) {
      (target as Record<string, unknown>)[`@KEY:${key}@`] = value;
    } else parent[last] = value;
    return render(copy);
  });

/** The texts of a test: valid bases (each repeated, to hit the memory) and mutations of them. */
const sequence = fc.array(fc.oneof(fc.constantFrom(...BASES.map((b) => JSON.stringify(b))), mutatedText), {
  minLength: 1,
  maxLength: 12,
});

type Outcome = { ok: true; json: string } | { ok: false; issues: unknown[] };

/** A parse's verdict and output (as JSON text: the memory answers `-0` with the output for `0`). */
function outcome(parse: () => ReturnType<typeof RtpCapabilities.safeParse>): Outcome {
  const result = parse();
  if (result.success) return { ok: true, json: JSON.stringify(result.data) };
  return { ok: false, issues: result.error.issues.map(({ path, code, message }) => ({ path, code, message })) };
}

/** JSON.parse as the node does it; a text too deep for the parser is no input at all. */
function parsed(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** A stack overflow (what the node turns into `400 body is nested too deeply`) is a verdict too. */
function guarded(parse: () => Outcome): Outcome | "stack-overflow" {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RangeError) return "stack-overflow";
    throw error;
  }
}

describe("memoizeAccepted", () => {
  it("accepts and refuses exactly what the full schema does, over any sequence of inputs", () => {
    fc.assert(
      fc.property(sequence, fc.integer({ min: 1, max: 4 }), (texts, maxEntries) => {
        const memo = memoizeAccepted(RtpCapabilities, { maxEntries });
        // Each text twice: the second parse of an accepted text is answered from memory.
        for (const text of texts.flatMap((t) => [t, t])) {
          const input = parsed(text);
          if (input === undefined) continue;
          const full = guarded(() => outcome(() => RtpCapabilities.safeParse(input.value)));
          const fast = guarded(() => outcome(() => memo.safeParse(input.value)));
          expect(fast, text.slice(0, 300)).toEqual(full);
        }
      }),
      FUZZ,
    );
  }, 120_000);

  it("keeps -0 and out-of-range numbers apart from what JSON.stringify writes for them", () => {
    const memo = memoizeAccepted(RtpCapabilities);
    const valid = JSON.stringify(sampleCapabilities);
    // 1e999 parses to Infinity and is written `null`: the memory must not answer for it.
    const infinite = valid.replace('"clockRate":48000', '"clockRate":1e999');
    expect(memo.safeParse(JSON.parse(valid)).success).toBe(true);
    expect(memo.safeParse(JSON.parse(infinite)).success).toBe(false);
    expect(RtpCapabilities.safeParse(JSON.parse(infinite)).success).toBe(false);
    // A null is refused by the schema whatever the memory holds.
    const nulled = valid.replace('"clockRate":48000', '"clockRate":null');
    expect(memo.safeParse(JSON.parse(nulled)).success).toBe(false);
    expect(memo.safeParse(JSON.parse(infinite)).success).toBe(false);
    // -0 is a valid non-negative number for the schema, as 0 is.
    const negativeZero = valid.replace('"minptime":10', '"minptime":-0');
    expect(memo.safeParse(JSON.parse(negativeZero)).success).toBe(
      RtpCapabilities.safeParse(JSON.parse(negativeZero)).success,
    );
  });

  it("never answers an Infinity with what it accepted for a null (both are written `null`)", () => {
    // AppData takes null but no Infinity: the one schema here where the two texts could meet.
    const memo = memoizeAccepted(AppData);
    expect(memo.safeParse(JSON.parse('{"level":null}')).success).toBe(true);
    expect(memo.safeParse(JSON.parse('{"level":null}')).success).toBe(true);
    expect(AppData.safeParse(JSON.parse('{"level":1e999}')).success).toBe(false);
    expect(memo.safeParse(JSON.parse('{"level":1e999}')).success).toBe(false);
  });

  it("answers a repeat with the same frozen output, and forgets the oldest beyond its bound", () => {
    const memo = memoizeAccepted(RtpCapabilities, { maxEntries: 2 });
    const first = memo.parse(JSON.parse(JSON.stringify(sampleCapabilities)));
    const again = memo.parse(JSON.parse(JSON.stringify(sampleCapabilities)));
    expect(again).toBe(first);
    expect(Object.isFrozen(first.codecs?.[0]?.rtcpFeedback?.[0])).toBe(true);
    expect(() => {
      (first.codecs as unknown[]).push({});
    }).toThrow(TypeError);
    memo.parse({ codecs: [] });
    memo.parse({});
    // The first one was forgotten: parsed again (a new object, equal to the old one).
    const third = memo.parse(JSON.parse(JSON.stringify(sampleCapabilities)));
    expect(third).not.toBe(first);
    expect(third).toEqual(first);
  });

  it("parses inputs over its key length every time, with the schema's verdict", () => {
    const memo = memoizeAccepted(RtpCapabilities, { maxKeyLength: 16 });
    const a = memo.parse(JSON.parse(JSON.stringify(sampleCapabilities)));
    const b = memo.parse(JSON.parse(JSON.stringify(sampleCapabilities)));
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    expect(memo.safeParse({ codecs: "nope" }).success).toBe(false);
  });
});

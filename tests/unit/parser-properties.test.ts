// Property: whatever a client sends, the protocol parser answers with a typed message or an
// `error` with a documented code, and never throws.
import {
  CLIENT_MESSAGE_TYPES,
  ERROR_CODES,
  encode,
  MAX_JSON_DEPTH,
  parseClientMessage,
  parseServerMessage,
} from "@huddle/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParameters } from "./fuzz-runs.ts";
import { clientSamples } from "./samples.ts";

const documented: ReadonlySet<string> = new Set(ERROR_CODES);
const types: ReadonlySet<string> = new Set(CLIENT_MESSAGE_TYPES);

/** The parser's verdict on `frame` is well-formed: a known message that survives a round trip, or a documented error. */
function checkVerdict(frame: string): void {
  const parsed = parseClientMessage(frame);
  if (parsed.ok) {
    expect(types.has(parsed.message.type)).toBe(true);
    const again = parseClientMessage(JSON.stringify(parsed.message));
    expect(again).toEqual(parsed);
    return;
  }
  expect(parsed.error.type).toBe("error");
  expect(documented.has(parsed.error.data.code)).toBe(true);
  // The error itself is a valid server message, as every client will parse it.
  expect(parseServerMessage(encode(parsed.error)).ok).toBe(true);
}

/** Any JSON value, a little deeper and wider than fast-check's default. */
const anyJson = fc.jsonValue({ maxDepth: 6 });

/** A frame with a real type and `data` replaced or mutated at random. */
const typedFrame = fc.record({
  type: fc.constantFrom(...CLIENT_MESSAGE_TYPES),
  data: anyJson,
  requestId: fc.option(fc.oneof(fc.string(), anyJson), { nil: undefined }),
});

/** A valid sample with one field replaced by anything, or removed, or an unknown field added. */
const mutatedSample = fc
  .record({
    type: fc.constantFrom(...CLIENT_MESSAGE_TYPES),
    key: fc.string({ maxLength: 12 }),
    value: fc.option(anyJson, { nil: undefined }),
    pick: fc.nat(),
  })
  .map(({ type, key, value, pick }) => {
    const data: Record<string, unknown> = structuredClone(clientSamples[type]);
    const keys = Object.keys(data);
    const target = keys.length > 0 && pick % 2 === 0 ? (keys[pick % keys.length] as string) : key;
    if (value === undefined) delete data[target];
    else data[target] = value;
    return { type, data };
  });

/** Nesting built from a random path of arrays and objects, up to far past the limit. */
const deepFrame = fc
  .record({
    depth: fc.integer({ min: 1, max: 5000 }),
    objects: fc.boolean(),
    where: fc.constantFrom(...CLIENT_MESSAGE_TYPES),
  })
  .map(({ depth, objects, where }) => {
    const open = objects ? '{"k":' : "[";
    const close = objects ? "}" : "]";
    const inner = `${open.repeat(depth)}1${close.repeat(depth)}`;
    return `{"type":"${where}","data":{"unknownKey":${inner}}}`;
  });

describe("the client message parser, on generated frames", () => {
  it("answers any string with a typed message or a documented error", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 400 }), checkVerdict), fuzzParameters(2000));
  });

  it("answers any JSON value with a typed message or a documented error", () => {
    fc.assert(
      fc.property(anyJson, (value) => checkVerdict(JSON.stringify(value))),
      fuzzParameters(2000),
    );
  });

  it("answers frames of real types with random data", () => {
    fc.assert(
      fc.property(typedFrame, (frame) => checkVerdict(JSON.stringify(frame))),
      fuzzParameters(3000),
    );
  });

  it("answers valid samples with one field changed, removed or added", () => {
    fc.assert(
      fc.property(mutatedSample, (frame) => checkVerdict(JSON.stringify(frame))),
      fuzzParameters(3000),
    );
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels as too-large, whatever the type`, () => {
    fc.assert(
      fc.property(deepFrame, (frame) => {
        checkVerdict(frame);
        const parsed = parseClientMessage(frame);
        const depth = (frame.match(/[[{]/g) ?? []).length;
        if (depth > MAX_JSON_DEPTH) expect(parsed).toMatchObject({ ok: false, error: { data: { code: "too-large" } } });
      }),
      fuzzParameters(500),
    );
  });

  it("refuses the 10,000-deep array of the hostile-input report without recursing", () => {
    const inner = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const frame = `{"type":"consume","data":{"transportId":"t","producerId":"p","rtpCapabilities":{"codecs":[],"x":${inner}}}}`;
    expect(parseClientMessage(frame)).toMatchObject({ ok: false, error: { data: { code: "too-large" } } });
  });

  it("does not count brackets inside strings as nesting", () => {
    const text = "[".repeat(100);
    const frame = JSON.stringify({
      type: "chat-message",
      data: { from: "a", text, timestamp: new Date().toISOString() },
    });
    expect(parseClientMessage(frame).ok).toBe(true);
  });
});

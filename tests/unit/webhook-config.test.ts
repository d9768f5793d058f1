import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "../../edge/src/config.ts";
import { backoffMs, WEBHOOK_MAX_BACKOFF_MS } from "../../edge/src/room/webhook-policy.ts";

const A = "a".repeat(32);
const B = "b".repeat(32);

describe("edge webhook configuration", () => {
  it("without WEBHOOK_URLS there are no webhooks, keys or not", () => {
    expect(readConfig({}).webhooks).toBeUndefined();
    expect(readConfig({ API_KEYS: `k1:${A}`, WEBHOOK_URLS: " , " }).webhooks).toBeUndefined();
  });

  it("signs with the first API key by default, or the one WEBHOOK_API_KEY names", () => {
    const urls = "https://hooks.example.com/lk , http://10.0.0.2:8080/in?x=1,https://hooks.example.com/lk";
    expect(readConfig({ API_KEYS: `k1:${A},k2:${B}`, WEBHOOK_URLS: urls }).webhooks).toEqual({
      urls: ["https://hooks.example.com/lk", "http://10.0.0.2:8080/in?x=1"],
      apiKey: "k1",
      apiSecret: A,
    });
    expect(
      readConfig({ API_KEYS: `k1:${A},k2:${B}`, WEBHOOK_URLS: urls, WEBHOOK_API_KEY: "k2" }).webhooks,
    ).toMatchObject({ apiKey: "k2", apiSecret: B });
  });

  it("refuses webhooks it could not sign, and URLs that are not http(s)", () => {
    expect(() => readConfig({ WEBHOOK_URLS: "https://h.example.com" })).toThrow(/needs API_KEYS/);
    expect(() =>
      readConfig({ API_KEYS: `k1:${A}`, WEBHOOK_URLS: "https://h.example.com", WEBHOOK_API_KEY: "k9" }),
    ).toThrow(/'k9' is not one of API_KEYS/);
    expect(() => readConfig({ API_KEYS: "k1:short", WEBHOOK_URLS: "https://h.example.com" })).toThrow(ConfigError);
    for (const bad of ["ftp://h.example.com", "not a url", "https://user:pw@h.example.com/"]) {
      expect(() => readConfig({ API_KEYS: `k1:${A}`, WEBHOOK_URLS: bad })).toThrow(/WEBHOOK_URLS/);
    }
  });

  it("retries after 1 s, 2 s, 4 s … up to 5 minutes", () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(9)).toBe(256_000);
    expect(backoffMs(10)).toBe(WEBHOOK_MAX_BACKOFF_MS);
  });
});

/** The API keys of the access project's runtime (tests/edge/vitest.config.ts sets them as API_KEYS). */
export const TEST_API_KEYS = {
  main: { key: "test-key", secret: "test-secret-0123456789abcdef0123456789" },
  other: { key: "other-key", secret: "other-secret-0123456789abcdef012345678" },
};

/** A token minted in Node by livekit-server-sdk's AccessToken (the config passes it in as a binding). */
export const LIVEKIT_ROOM = "livekit-minted";
export const LIVEKIT_IDENTITY = "lk-user";

/** The access runtime's TURN settings (coturn's use-auth-secret scheme). */
export const TEST_TURN = {
  secret: "turn-shared-secret-0123456789",
  urls: "turn:127.0.0.1:3478?transport=udp,turn:127.0.0.1:3478?transport=tcp",
  ttlSeconds: "600",
};

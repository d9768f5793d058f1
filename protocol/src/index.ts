export * from "./client.ts";
export * from "./errors.ts";
export * from "./fields.ts";
export * from "./limits.ts";
export * from "./mediasoup.ts";
export * from "./parse.ts";
export * from "./server.ts";

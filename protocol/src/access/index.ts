export * from "./grants.ts";
export * from "./join-token.ts";
export * from "./webhook.ts";

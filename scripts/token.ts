// `npm run token -- --room R --user U [--name N] [--admin] [--ttl 2h] [--key K --secret S] [--url U]`:
// mints a join token (LiveKit-compatible, see protocol/src/access/join-token.ts) and prints it with
// an invite link that opens the web client in the room. For people without a backend of their own.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createJoinToken } from "@huddle/protocol/access";
import { inviteLink, parseTokenArgs, signingKey, TOKEN_USAGE, TokenArgsError } from "./lib/token-args.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

try {
  const args = parseTokenArgs(process.argv.slice(2));
  const { apiKey, apiSecret, from } = signingKey(args, process.env, root);
  const token = await createJoinToken({
    apiKey,
    apiSecret,
    room: args.room,
    identity: args.user,
    ttlSeconds: args.ttlSeconds,
    ...(args.name === undefined ? {} : { name: args.name }),
    ...(args.admin ? { grant: { roomAdmin: true, roomRecord: true } } : {}),
  });
  const role = args.admin ? "moderator" : "participant";
  console.error(
    `[token] ${role} '${args.user}' in room '${args.room}', valid ${args.ttlSeconds} s, signed by '${apiKey}' (${from})`,
  );
  console.log(`token:  ${token}`);
  console.log(`invite: ${inviteLink(args.url, args.room, token)}`);
} catch (error) {
  if (!(error instanceof TokenArgsError)) throw error;
  console.error(`[token] ${error.message}\nusage: ${TOKEN_USAGE}`);
  process.exit(2);
}

import { z } from "zod";
import { Permissions, TrackSource } from "./access/grants.ts";
import { IsoTimestamp, Username } from "./fields.ts";
import { DISPLAY_NAME_MAX_LENGTH, METADATA_MAX_LENGTH } from "./limits.ts";

/** A display name from a join token (or a moderator): shown as is, never used as an identity. */
export const DisplayName = z.string().min(1).max(DISPLAY_NAME_MAX_LENGTH);

export const Metadata = z.string().max(METADATA_MAX_LENGTH);

/** What others see of a participant: the username (identity), and from a token its name, metadata and grants. */
export const ParticipantInfo = z.object({
  user: Username,
  name: DisplayName.optional(),
  metadata: Metadata.optional(),
  permissions: Permissions.optional(),
});
export type ParticipantInfo = z.infer<typeof ParticipantInfo>;

/** A room's moderation settings. */
export const RoomSettings = z.object({
  /** Only moderators may join. */
  locked: z.boolean(),
  /** Joiners who are not moderators wait until a moderator admits them. */
  lobby: z.boolean(),
});
export type RoomSettings = z.infer<typeof RoomSettings>;

/** Someone waiting in the lobby. */
export const LobbyEntry = z.object({ user: Username, name: DisplayName.optional(), since: IsoTimestamp });
export type LobbyEntry = z.infer<typeof LobbyEntry>;

/** The grants a moderator may change live (`hidden` is fixed for a membership). */
export const PermissionsChange = Permissions.omit({ hidden: true }).partial();
export type PermissionsChange = z.infer<typeof PermissionsChange>;

export { TrackSource };

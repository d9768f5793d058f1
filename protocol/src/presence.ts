import { z } from "zod";
import { IsoTimestamp, Username } from "./fields.ts";

/**
 * Presence (_extension_): raised hands and emoji reactions. A hand is part of a membership (it
 * survives a `resume` and is listed in `joined.hands`); a reaction is a moment, never stored.
 */

/** The reactions a participant may send: a small fixed set, named (clients choose the glyph). */
export const REACTIONS = ["thumbs-up", "heart", "laugh", "tada", "clap", "surprised"] as const;
export const Reaction = z.enum(REACTIONS);
export type Reaction = z.infer<typeof Reaction>;

/** A raised hand: who, and when the edge saw it raised (hands are shown in this order). */
export const RaisedHand = z.object({ user: Username, raisedAt: IsoTimestamp });
export type RaisedHand = z.infer<typeof RaisedHand>;

import { z } from "zod";

/** Live mediasoup objects of a media node (or one of its workers): in its load report and its announcements. */
export const ObjectCounts = z.object({
  rooms: z.number().int().nonnegative(),
  transports: z.number().int().nonnegative(),
  producers: z.number().int().nonnegative(),
  consumers: z.number().int().nonnegative(),
});
export type ObjectCounts = z.infer<typeof ObjectCounts>;

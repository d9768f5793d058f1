import { ConsumeManyRequest, ConsumeRequest, memoizeAccepted, RtpCapabilities } from "@huddle/protocol";

/**
 * The request bodies whose parse is worth a fast path: `consume` and `consume-many` carry the
 * client's whole `rtpCapabilities` (some 4 KB, the same text for every consume of a client, and
 * for every client of one browser version), checked in full the first time each distinct text
 * arrives and answered from memory after. The schemas are the protocol's own, so what is accepted
 * and refused, and every refusal's message, stay exactly theirs.
 */
const rtpCapabilities = memoizeAccepted(RtpCapabilities);

export const ConsumeBody = ConsumeRequest.extend({ rtpCapabilities });
export const ConsumeManyBody = ConsumeManyRequest.extend({ rtpCapabilities });

/**
 * The code the lobby does not need, in chunks of their own: the call engine (signaling, the
 * protocol's zod schemas, WebRTC, mediasoup-client) and the call screen. The lobby starts loading
 * them as soon as it is on screen, and a join waits for the first two; the first paint waits for none.
 */
export const loadRoom = () => import("../call/Room.ts");

/**
 * mediasoup-client, which an SFU call loads once `joined` names the call's router (SfuEngine):
 * fetched and compiled ahead, while the lobby is on screen, so the join does not wait for it.
 */
export const preloadMediaClient = () => import("mediasoup-client");

export const loadCallView = () => import("./CallView.tsx").then((module) => module.CallView);

export type CallViewComponent = Awaited<ReturnType<typeof loadCallView>>;

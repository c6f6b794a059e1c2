export { ClusterNode, type ClusterNodeOptions } from "./cluster-node.ts";
export { ForwardedCalls } from "./forwarded-calls.ts";
export { INSTANCES_CHANNEL, InstanceLiveness } from "./instance-liveness.ts";
export {
  decodeInstanceMessage,
  encodeDisconnect,
  encodeTakeover,
  type InstanceMessage,
} from "./instance-messages.ts";
export {
  type InstanceFacts,
  InstanceRoster,
  parseRosterMessage,
  ROSTER_CHANNEL,
  ROSTER_INTERVAL_MS,
} from "./instance-roster.ts";
export { PresenceWatch } from "./presence-watch.ts";
export { RemoteLink, RemoteLinks } from "./remote-links.ts";
export { type DisconnectResult, SpokeControl } from "./spoke-control.ts";
export { ClusterSpokeLinks, type LocalLinks } from "./spoke-links.ts";
export { takeoverSender } from "./takeover.ts";

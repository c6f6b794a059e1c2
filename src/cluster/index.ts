export { ClusterNode, type ClusterNodeOptions } from "./cluster-node.ts";
export { ForwardedCalls } from "./forwarded-calls.ts";
export { INSTANCES_CHANNEL, InstanceLiveness } from "./instance-liveness.ts";
export { decodeInstanceMessage, encodeTakeover, type InstanceMessage } from "./instance-messages.ts";
export { PresenceWatch } from "./presence-watch.ts";
export { RemoteLink, RemoteLinks } from "./remote-links.ts";
export { ClusterSpokeLinks, type LocalLinks } from "./spoke-links.ts";
export { takeoverSender } from "./takeover.ts";

/**
 * Several frames in one WebSocket message, on connections that agreed `alkhub.v1.batch` (protocol.md › Batched
 * messages): frames are compact JSON, so a newline can only separate two of them. A sender that has many frames
 * for one peer in a turn of the event loop joins them, so that they cost the receiver one message event and the
 * sender one system call instead of one each.
 */

/** Most characters a sender joins into one message; a longer frame goes alone. */
export const MAX_BATCH_CHARS = 256 * 1024;

/**
 * The frames of a message from a batching peer, in order (one per line; empty lines are skipped). Receivers
 * look for a newline first and hand a message without one on as it is, with no array made for it.
 */
export function batchedFrames(text: string): string[] {
  return text.split("\n").filter((line) => line.length > 0);
}

/** `frames` joined into as few messages as `maxChars` allows, in order. */
export function joinFrames(frames: readonly string[], maxChars = MAX_BATCH_CHARS): string[] {
  const messages: string[] = [];
  let current = "";
  for (const frame of frames) {
    if (current === "") current = frame;
    else if (current.length + 1 + frame.length <= maxChars) current += `\n${frame}`;
    else {
      messages.push(current);
      current = frame;
    }
  }
  if (current !== "") messages.push(current);
  return messages;
}

import { fromUtf8, utf8 } from "./bytes.js";

/**
 * The MLS group id of a conversation: the UTF-8 text `sealroom:1:<conversationId>:<generation>`,
 * e.g. `sealroom:1:dm:3:7:0` or `sealroom:1:group:12:0`. Readable on purpose: the Delivery
 * Service checks that a message's group id is the conversation's (the server knows the
 * conversation anyway, so hashing would hide nothing). `generation` starts at 0 and is bumped
 * when a conversation's group is created anew (every member lost its state).
 */
export function groupIdFor(conversationId: string, generation = 0): Uint8Array {
  if (!/^(dm:\d+:\d+|group:\d+)$/.test(conversationId)) {
    throw new Error(`not a conversation id: ${conversationId}`);
  }
  if (!Number.isInteger(generation) || generation < 0) throw new Error("bad generation");
  return utf8(`sealroom:1:${conversationId}:${generation}`);
}

/** The conversation and generation a group id names, or undefined. */
export function parseGroupId(groupId: Uint8Array): { conversationId: string; generation: number } | undefined {
  let text: string;
  try {
    text = fromUtf8(groupId);
  } catch {
    return undefined;
  }
  const m = /^sealroom:1:(dm:\d+:\d+|group:\d+):(\d+)$/.exec(text);
  if (!m?.[1] || m[2] === undefined) return undefined;
  return { conversationId: m[1], generation: Number(m[2]) };
}

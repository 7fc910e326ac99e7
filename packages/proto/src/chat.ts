/** Messages, history, receipts and typing: commands answered by services/chat, and their events. */
import type { CommandSpec } from "./command-spec.js";

export const CHAT_COMMANDS = {} as const satisfies Record<string, CommandSpec>;

/** Friends, blocking, groups and presence: commands answered by services/social, and their events. */
import type { CommandSpec } from "./command-spec.js";

export const SOCIAL_COMMANDS = {} as const satisfies Record<string, CommandSpec>;

/** The encrypted session, platform-neutral. Pick a backend from "./node" or "./web". */
export * from "./backend.js";
export * from "./bytes.js";
export * from "./channel.js";
export * from "./errors.js";
export * from "./frames.js";
export * from "./handshake.js";
export * from "./keys.js";
export * from "./ticket.js";

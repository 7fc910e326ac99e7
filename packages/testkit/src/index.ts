export * from "./db.js";
export * from "./nats.js";

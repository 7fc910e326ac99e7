export * from "./env.js";
export * from "./http.js";
export * from "./lifecycle.js";
export * from "./logger.js";
export * from "./metrics.js";
export * from "./nats.js";
export * from "./serve.js";
export * from "./service.js";

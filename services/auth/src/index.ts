export { createAuthService, type AuthService, type AuthServiceDeps } from "./service.js";
export {
  defaultAuthConfig,
  resolveAuthConfig,
  type Argon2Params,
  type AuthConfig,
  type AuthConfigInput,
  type ThrottleConfig,
  type ThrottlePolicy,
} from "./config.js";
export { systemClock, type Clock } from "./clock.js";
export { authConfigFromEnv, authEnvSchema, readAuthEnv, type AuthEnv } from "./env.js";
export { reservedSkeleton } from "./skeleton.js";

/**
 * The system the abuse suites (abuse.test.ts, brute-force.test.ts) run against: two gateways with
 * the documented default limits, except a shorter sign-in deadline to keep the tests short.
 */
import { startSystem, type System } from "./system.js";

/** The gateways' sign-in deadline in these suites (the default is 10 s). */
export const HANDSHAKE_TIMEOUT_MS = 1500;

export function startAbuseSystem(): Promise<System> {
  return startSystem({ gateways: 2, env: { HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_TIMEOUT_MS) } });
}

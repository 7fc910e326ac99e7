/**
 * What every command carries over NATS (gateway -> service request, its reply's size bound) and the
 * `health.<service>` reply. The commands' bodies and values are in commands.ts.
 */
import { z } from "zod";

/**
 * The largest NATS message Sealroom's deployments configure (`max_payload`, deploy/nats/limits.conf;
 * also nats-server's default). A service's reply above the connected server's limit cannot be
 * sent at all, so services bound their replies well below this and answer REPLY_TOO_LARGE rather
 * than nothing (packages/runtime serveCommands).
 */
export const NATS_MAX_PAYLOAD = 1024 * 1024;

/**
 * Who sent a command, stamped by the gateway. Services trust only this, never ids in the body.
 * `userId` and `sessionId` are present exactly when the connection is signed in.
 */
export const requestContextSchema = z.object({
  gatewayId: z.string().max(64),
  connId: z.string().max(64),
  /** The client's address as the gateway sees it (after trusted proxies). */
  ip: z.string().max(64),
  userId: z.number().int().positive().optional(),
  sessionId: z.string().max(64).optional(),
});
export type RequestContext = z.infer<typeof requestContextSchema>;

export const commandEnvelopeSchema = z.object({ ctx: requestContextSchema, body: z.unknown() });
export type CommandEnvelope = z.infer<typeof commandEnvelopeSchema>;

/** `health.<service>`: what an instance answers (operators, tests; README "Architecture"). */
export const healthSchema = z.object({
  service: z.string(),
  instance: z.string(),
  uptimeMs: z.number(),
});
export type Health = z.infer<typeof healthSchema>;

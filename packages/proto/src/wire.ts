/**
 * The JSON messages carried inside encrypted DATA frames (docs/PROTOCOL.md, "Messages").
 * Client -> gateway: commands. Gateway -> client: replies and events.
 */
import { z } from "zod";
import { appErrorSchema } from "./errors.js";

/** Largest DATA plaintext the gateway accepts from a signed-in client. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Largest DATA plaintext the gateway sends; a reply that would be larger becomes PAYLOAD_TOO_LARGE. */
export const MAX_SERVER_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Largest frame before the handshake completes. */
export const MAX_HANDSHAKE_FRAME_BYTES = 4 * 1024;
/** Largest frame after the handshake and before sign-in. */
export const MAX_ANONYMOUS_FRAME_BYTES = 16 * 1024;

export const clientMessageSchema = z.strictObject({
  t: z.literal("cmd"),
  /** Chosen by the client, echoed in the reply; unique among its commands in flight. */
  id: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 31),
  type: z.string().min(1).max(64),
  body: z.unknown(),
});
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export const replyMessageSchema = z.discriminatedUnion("ok", [
  z.object({ t: z.literal("reply"), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ t: z.literal("reply"), id: z.number().int(), ok: z.literal(false), error: appErrorSchema }),
]);
export type ReplyMessage = z.infer<typeof replyMessageSchema>;

export const eventMessageSchema = z.object({
  t: z.literal("event"),
  type: z.string(),
  body: z.unknown(),
});
export type EventMessage = z.infer<typeof eventMessageSchema>;

export const serverMessageSchema = z.union([replyMessageSchema, eventMessageSchema]);

/**
 * What clients accept: like serverMessageSchema, but an error code this client does not know (a newer
 * server) is kept as a string instead of failing the whole message.
 */
export const clientSideServerMessageSchema = z.union([
  z.object({ t: z.literal("reply"), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({
    t: z.literal("reply"),
    id: z.number().int(),
    ok: z.literal(false),
    error: z.object({
      code: z.string().max(64),
      message: z.string().max(500),
      retryable: z.boolean(),
      retryAfterMs: z.number().int().nonnegative().optional(),
    }),
  }),
  eventMessageSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** Events the gateway itself sends. */
export const GATEWAY_EVENTS = {
  /** The gateway is shutting down; reconnect (possibly to another gateway). */
  draining: "gateway.draining.v1",
} as const;

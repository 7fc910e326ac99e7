/** The chat store's reads (list, sync, first page), with the retry policy they share. */
import type { CommandBody, CommandValue } from "@sealroom/proto/commands";
import { AppError } from "@sealroom/proto/errors";
import type { SealroomClient } from "../client.js";

/** Retries of a retryable failure of one read before the catch-up gives up (and tries later). */
const FETCH_ATTEMPTS = 6;

export type ChatRead = "chat.conversations" | "chat.sync" | "chat.history";

/**
 * A read the store needs: retried while signed in when the failure is retryable (rate limit,
 * timeout, busy), honouring retryAfterMs; anything else throws. A page too large to send
 * (REPLY_TOO_LARGE: a server configured with a smaller NATS max_payload than its page bound) is
 * asked for again with half the entries, down to one.
 */
export async function fetchRetrying<T extends ChatRead>(
  client: Pick<SealroomClient, "call" | "state">,
  type: T,
  body: CommandBody<T>,
): Promise<CommandValue<T>> {
  for (let attempt = 0; ; attempt++) {
    const result = await client.call(type, body);
    if (result.ok) return result.value;
    if (
      result.error.code === "REPLY_TOO_LARGE" &&
      "limit" in body &&
      typeof body.limit === "number" &&
      body.limit > 1
    ) {
      body = { ...body, limit: Math.ceil(body.limit / 2) };
      continue;
    }
    if (!result.error.retryable || attempt >= FETCH_ATTEMPTS || client.state !== "ready")
      throw AppError.from(result.error);
    const delay = Math.max(result.error.retryAfterMs ?? 0, Math.min(2000, 100 * 2 ** attempt));
    await new Promise((r) => setTimeout(r, delay));
  }
}

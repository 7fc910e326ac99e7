/**
 * Live delivery: after commit, each event goes to `evt.user.<id>` of every recipient; every gateway
 * holding a socket of that user forwards it. A hint only: a lost publish is repaired by chat.sync.
 */
import type { ChatEventBody, ChatEventType } from "@sealroom/proto/chat-events";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { errorText, type Logger, type NatsConnection } from "@sealroom/runtime";

export type Publish = <T extends ChatEventType>(userIds: Iterable<number>, type: T, body: ChatEventBody<T>) => void;

const encoder = new TextEncoder();

export function natsPublish(nc: NatsConnection, log: Logger): Publish {
  return (userIds, type, body) => {
    // Encoded once, whatever the number of recipients.
    const payload = encoder.encode(JSON.stringify({ type, body }));
    for (const userId of new Set(userIds)) {
      try {
        nc.publish(SUBJECTS.userEvents(userId), payload);
      } catch (err) {
        // The connection is closing or reconnecting: expected, and sync repairs it; no stack.
        log.warn({ type, error: errorText(err) }, "publish failed");
        return;
      }
    }
  };
}

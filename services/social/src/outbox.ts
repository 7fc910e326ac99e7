/**
 * What a mutation tells the world, collected while its transaction runs and published only after
 * it commits (a rolled-back change announces nothing). NATS is the doorbell, SQLite the record:
 * a lost event is repaired by social.overview / social.groups.get, a lost group doorbell by the
 * chat service's cursor over GroupEvent rows.
 */
import type { SocialEventBody, SocialEventType } from "@sealroom/proto/social";
import { SUBJECTS } from "@sealroom/proto/subjects";
import type { Logger, NatsConnection } from "@sealroom/runtime";

export interface Publisher {
  toUser<T extends SocialEventType>(userId: number, type: T, body: SocialEventBody<T>): void;
  groupDoorbell(groupId: number, eventId: number): void;
  /** Users who went online or offline in a committed change (their current state is pushed). */
  presence(userIds: number[]): void;
}

export class Outbox {
  private readonly events: Array<(p: Publisher) => void> = [];
  private readonly transitions: number[] = [];

  toUser<T extends SocialEventType>(userId: number, type: T, body: SocialEventBody<T>): void {
    this.events.push((p) => p.toUser(userId, type, body));
  }

  /** The same event to several users (each once). */
  toUsers<T extends SocialEventType>(userIds: Iterable<number>, type: T, body: SocialEventBody<T>): void {
    for (const userId of new Set(userIds)) this.toUser(userId, type, body);
  }

  groupDoorbell(groupId: number, eventId: number): void {
    this.events.push((p) => p.groupDoorbell(groupId, eventId));
  }

  /** `userId` went online or offline. */
  presence(userId: number): void {
    this.transitions.push(userId);
  }

  flush(publisher: Publisher): void {
    for (const publish of this.events) publish(publisher);
    if (this.transitions.length > 0) publisher.presence(this.transitions);
  }
}

/** Publishes on NATS; a closed connection loses the event (the database still has the truth). */
export function natsPublisher(nc: NatsConnection, log: Logger, presence: (userIds: number[]) => void): Publisher {
  const send = (subject: string, payload: unknown) => {
    try {
      nc.publish(subject, JSON.stringify(payload));
    } catch (err) {
      log.warn({ err, subject }, "publish failed");
    }
  };
  return {
    toUser: (userId, type, body) => send(SUBJECTS.userEvents(userId), { type, body }),
    groupDoorbell: (groupId, eventId) => send(SUBJECTS.groupEvents, { groupId, eventId }),
    presence,
  };
}

import { errorText, type Logger, type NatsConnection } from "@sealroom/runtime";
import type { z } from "zod";
import { BACKUP_EVENTS, type BackupEventType } from "@sealroom/proto/backup";
import { KEYS_EVENTS, type KeysEventType } from "@sealroom/proto/keys";
import { sessionRevokedSchema, type SessionRevoked } from "@sealroom/proto/broadcasts";
import { SUBJECTS } from "@sealroom/proto/subjects";

/** Tells every gateway to close the sockets of revoked sessions (`ctl.session.revoked`). */
export type PublishRevoked = (event: SessionRevoked) => void;

export function revocationPublisher(nc: NatsConnection): PublishRevoked {
  return (event) => {
    nc.publish(SUBJECTS.sessionRevoked, JSON.stringify(sessionRevokedSchema.parse(event)));
  };
}

/**
 * `auth.keys.devices.changed.v1` to each user of `audience` (`evt.user.<id>`): a hint, like chat's
 * live events; a failed publish (the connection closing) is logged, never an error of the command.
 */
export function devicesChangedPublisher(nc: NatsConnection, log: Logger) {
  return (audience: number[], userId: number): void => {
    const type: KeysEventType = "auth.keys.devices.changed.v1";
    const payload = JSON.stringify({ type, body: KEYS_EVENTS[type].parse({ userId }) });
    try {
      for (const id of audience) nc.publish(SUBJECTS.userEvents(id), payload);
    } catch (err) {
      log.warn({ type, error: errorText(err) }, "publish failed");
    }
  };
}

/** A backup event to every socket of `userId` (`evt.user.<id>`); a failed publish is logged, as above. */
export type PublishBackupEvent = <T extends BackupEventType>(
  userId: number,
  type: T,
  body: z.input<(typeof BACKUP_EVENTS)[T]>,
) => void;

export function backupEventPublisher(nc: NatsConnection, log: Logger): PublishBackupEvent {
  return (userId, type, body) => {
    try {
      const payload = JSON.stringify({ type, body: BACKUP_EVENTS[type].parse(body) });
      nc.publish(SUBJECTS.userEvents(userId), payload);
    } catch (err) {
      log.warn({ type, error: errorText(err) }, "publish failed");
    }
  };
}

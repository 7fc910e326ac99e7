import type { NatsConnection } from "@sealroom/runtime";
import { sessionRevokedSchema, type SessionRevoked } from "@sealroom/proto/broadcasts";
import { SUBJECTS } from "@sealroom/proto/subjects";

/** Tells every gateway to close the sockets of revoked sessions (`ctl.session.revoked`). */
export type PublishRevoked = (event: SessionRevoked) => void;

export function revocationPublisher(nc: NatsConnection): PublishRevoked {
  return (event) => {
    nc.publish(SUBJECTS.sessionRevoked, JSON.stringify(sessionRevokedSchema.parse(event)));
  };
}

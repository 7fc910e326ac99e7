/**
 * WebSocket close codes used by the gateway. 1000-1015 are RFC 6455's; 4000-4999 are Sealroom's.
 * A client reconnects (with backoff) after every code except those marked `final`.
 */
export const CLOSE = {
  /** Normal close requested by the client. */
  NORMAL: 1000,
  /** The gateway is shutting down; reconnect (to another gateway) right away. */
  GOING_AWAY: 1001,
  /** A frame larger than the current limit (4 KiB during the handshake, 16 KiB before sign-in, 64 KiB after). */
  TOO_BIG: 1009,
  /** The gateway hit an unexpected error on this connection; reconnect. */
  INTERNAL_ERROR: 1011,
  /** The client does not read fast enough (send buffer over the limit); reconnect and resync. */
  TRY_AGAIN_LATER: 1013,
  /** The handshake failed: malformed hello, unknown version or suite, wrong key id, bad Finished. */
  HANDSHAKE_FAILED: 4001,
  /** A frame failed authentication: bad tag, replayed, reordered or skipped sequence number. */
  DECRYPT_FAILED: 4002,
  /** A well-encrypted frame broke the protocol: bad type, bad JSON, a command that is not allowed now. */
  PROTOCOL_ERROR: 4003,
  /** No completed handshake and sign-in within the deadline after connecting. */
  HANDSHAKE_TIMEOUT: 4004,
  /** No pong to the gateway's heartbeat ping. */
  HEARTBEAT_TIMEOUT: 4005,
  /** Too many commands: the connection's rate limit was exceeded repeatedly. */
  RATE_LIMITED: 4008,
  /** The session was revoked (logout, password change); sign in again. Final. */
  SESSION_REVOKED: 4009,
  /** The session reached its maximum age (24 h); reconnect and resume with a ticket. */
  SESSION_EXPIRED: 4010,
  /** A key limit was exceeded without a key update. */
  KEY_LIMIT: 4011,
  /** The account has too many connections on this gateway; retry later (with backoff). */
  TOO_MANY_CONNECTIONS: 4012,
} as const;

export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];

/** Close codes after which reconnecting automatically is pointless. */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([CLOSE.SESSION_REVOKED]);

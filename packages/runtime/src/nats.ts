import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { Metrics } from "./metrics.js";

export type { NatsConnection, Msg, Subscription } from "@nats-io/transport-node";

export interface NatsOptions {
  url: string;
  name: string;
  token?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  log: Logger;
  /** Counts disconnects and reconnects and tracks whether the connection is up. */
  metrics?: Pick<Metrics, "natsConnected" | "natsReconnects" | "natsDisconnects"> | undefined;
}

/**
 * Where this connection's request replies arrive. A user gets its own `_INBOX.<user>`, so NATS
 * permissions can give each role only its own replies (deploy/nats/auth.conf): with one shared
 * `_INBOX.>` any user allowed to make requests, such as `ops`, could read every reply, auth.login's
 * resume tickets included. Without a user (a token, or no auth) it is NATS's usual `_INBOX`.
 */
export const inboxPrefix = (user: string | undefined) => (user ? `_INBOX.${user}` : "_INBOX");

/** Connects with unlimited reconnects and logs every status change (never credentials). */
export async function connectNats({
  url,
  name,
  token,
  user,
  password,
  log,
  metrics,
}: NatsOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(","),
    name,
    ...(token ? { token } : {}),
    ...(user ? { user, pass: password ?? "" } : {}),
    inboxPrefix: inboxPrefix(user),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 250,
    pingInterval: 10_000,
    // Otherwise every request builds two Error objects up front (their stacks only decorate a
    // later timeout): 9% of the gateway's CPU at saturation in the S2 benchmark's profile.
    noAsyncTraces: true,
  });
  metrics?.natsConnected.set(1);
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "ping") continue;
      if (s.type === "disconnect") {
        metrics?.natsDisconnects.inc();
        metrics?.natsConnected.set(0);
      } else if (s.type === "reconnect") {
        metrics?.natsReconnects.inc();
        metrics?.natsConnected.set(1);
      } else if (s.type === "close") {
        metrics?.natsConnected.set(0);
      }
      const level = s.type === "disconnect" || s.type === "error" ? "warn" : "info";
      const detail = s.type === "error" ? { err: s.error } : {};
      log[level]({ nats: s.type, server: "server" in s ? s.server : undefined, ...detail }, "nats status");
    }
  })();
  return nc;
}

import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

export type { NatsConnection, Msg, Subscription } from "@nats-io/transport-node";

export interface NatsOptions {
  url: string;
  name: string;
  token?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  log: Logger;
}

/** Connects with unlimited reconnects and logs every status change (never credentials). */
export async function connectNats({ url, name, token, user, password, log }: NatsOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(","),
    name,
    ...(token ? { token } : {}),
    ...(user ? { user, pass: password ?? "" } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 250,
    pingInterval: 10_000,
  });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "ping") continue;
      const level = s.type === "disconnect" || s.type === "error" ? "warn" : "info";
      log[level]({ nats: s.type, server: "server" in s ? s.server : undefined }, "nats status");
    }
  })();
  return nc;
}

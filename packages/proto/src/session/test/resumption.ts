/**
 * Helpers of the resumption tests (resume.test.ts, resume.fuzz.test.ts): a full handshake that
 * leaves the client holding a ticket, and a resumption attempt driven to its end.
 */
import { SUITES, type ServerKey, type Suite } from "../backend.js";
import { ClientHandshake, ServerHandshake, type ResumptionOffer } from "../handshake.js";
import { nodeBackend } from "../node.js";
import { TicketAuthority, ticketBytes, type TicketPolicy } from "../ticket.js";
import type { SecureChannel } from "../channel.js";

export const DAY = 24 * 60 * 60 * 1000;
export const POLICY: TicketPolicy = { lifetimeMs: DAY, rotationMs: DAY };

export function authority(serverKey: ServerKey, now: () => number, policy = POLICY): TicketAuthority {
  return new TicketAuthority(nodeBackend, { ticketKey: serverKey.ticketKey! }, policy, now);
}

/** A full handshake against `tickets`; returns what the client keeps to resume. */
export async function fullSession(
  serverKey: ServerKey,
  tickets: TicketAuthority,
  suite: Suite = SUITES.X25519_AES256GCM_SHA256,
): Promise<ResumptionOffer> {
  const client = new ClientHandshake({ backend: nodeBackend, verifyServerKey: () => {}, suites: [suite] });
  const server = new ServerHandshake({ backend: nodeBackend, serverKey, tickets });
  const flight = await server.onHello(await client.onServerKey(server.serverKeyFrame));
  if ("refused" in flight) throw new Error("a ClientHello is never refused");
  await client.onServerHello(flight.serverHello);
  const { clientFinished } = await client.onServerFinished(flight.serverFinished);
  await server.onClientFinished(clientFinished);
  const ticket = await server.issueTicket();
  return { ticket: ticketBytes(ticket!), resumption: client.secrets!.resumption, suite };
}

export interface Attempt {
  client: ClientHandshake;
  server: ServerHandshake;
  /** Whether the server answered ResumeRefused (then the client completed a full handshake). */
  refused: boolean;
  clientChannel: SecureChannel;
  serverChannel: SecureChannel;
}

/** Offers `offer` (its hello possibly rewritten by `tamper`) and completes whatever handshake follows. */
export async function attempt(
  serverKey: ServerKey,
  tickets: TicketAuthority | undefined,
  offer: ResumptionOffer,
  tamper: (hello: Uint8Array) => Uint8Array = (h) => h,
): Promise<Attempt> {
  const client = new ClientHandshake({
    backend: nodeBackend,
    verifyServerKey: () => {},
    suites: [offer.suite],
    resumption: () => offer,
  });
  const server = new ServerHandshake({ backend: nodeBackend, serverKey, tickets });
  let flight = await server.onHello(tamper(await client.onServerKey(server.serverKeyFrame)));
  let refused = false;
  if ("refused" in flight) {
    refused = true;
    const clientHello = await client.onServerHello(flight.refused);
    if (!clientHello) throw new Error("the client did not fall back");
    flight = await server.onHello(clientHello);
    if ("refused" in flight) throw new Error("refused twice");
  }
  await client.onServerHello(flight.serverHello);
  const { clientFinished, channel: clientChannel } = await client.onServerFinished(flight.serverFinished);
  const serverChannel = await server.onClientFinished(clientFinished);
  return { client, server, refused, clientChannel, serverChannel };
}

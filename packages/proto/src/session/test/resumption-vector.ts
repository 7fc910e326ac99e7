/**
 * The resumption test vector (docs/PROTOCOL.md section 18.4), run on any pair of backends: the
 * generator (scripts/gen-resumption-vectors.test.ts) records its outputs from the node backend, and
 * vectors.test.ts checks that every backend combination reproduces them byte for byte.
 */
import type { CryptoBackend, ServerKey, Suite } from "../backend.js";
import { fromHex, toHex } from "../bytes.js";
import { ClientHandshake, ServerHandshake } from "../handshake.js";
import { binderKey, deriveTicketKey, expand, type HandshakeSecrets } from "../keys.js";
import { TicketAuthority, encodeTicketPlaintext, sealTicket } from "../ticket.js";

export interface ResumptionInput {
  suite: number;
  /** The x25519 case's master secret: the session the ticket was issued for. */
  issuingMaster: string;
  rotationMs: number;
  lifetimeMs: number;
  issuedAt: number;
  /** When the ResumeHello arrives. */
  now: number;
  ticketNonce: string;
  clientRandom: string;
  serverRandom: string;
  clientEphemeral: { pkcs8: string; publicKey: string };
  serverEphemeral: { pkcs8: string; publicKey: string };
}

export async function runResumptionVector(
  client: CryptoBackend,
  server: CryptoBackend,
  serverKey: ServerKey,
  pkcs8: Uint8Array,
  input: ResumptionInput,
): Promise<Record<string, string>> {
  const suite = input.suite as Suite;
  const resumption = await expand(client, fromHex(input.issuingMaster), "resumption", 32);
  const period = Math.floor(input.issuedAt / input.rotationMs);
  const ticketKey = await deriveTicketKey(server, pkcs8, period);
  const contents = { suite, issuedAt: input.issuedAt, expiresAt: input.issuedAt + input.lifetimeMs, resumption };
  const ticket = await sealTicket(await server.aead(ticketKey), fromHex(input.ticketNonce), contents);
  const fixedEph = (e: { pkcs8: string; publicKey: string }) => ({
    pkcs8: fromHex(e.pkcs8),
    publicKey: fromHex(e.publicKey),
  });
  const c = new ClientHandshake({
    backend: client,
    verifyServerKey: () => {},
    suites: [suite],
    resumption: () => ({ ticket, resumption, suite }),
    fixed: { random: fromHex(input.clientRandom), ephemeral: fixedEph(input.clientEphemeral) },
  });
  const now = () => input.now;
  const s = new ServerHandshake({
    backend: server,
    serverKey,
    tickets: new TicketAuthority(server, { ticketKey: serverKey.ticketKey! }, input, now),
    fixed: { random: fromHex(input.serverRandom), ephemeral: fixedEph(input.serverEphemeral) },
  });
  const resumeHello = await c.onServerKey(s.serverKeyFrame);
  const flight = await s.onHello(resumeHello);
  if ("refused" in flight) throw new Error("the vector's ticket was refused");
  if ((await c.onServerHello(flight.serverHello)) !== undefined) throw new Error("unexpected fallback");
  const { clientFinished } = await c.onServerFinished(flight.serverFinished);
  await s.onClientFinished(clientFinished);
  if (!c.resumed || !s.resumed) throw new Error("not resumed");
  const out: Record<string, string> = {
    resumption: toHex(resumption),
    ticketKey: toHex(ticketKey),
    ticketPlaintext: toHex(encodeTicketPlaintext(contents)),
    ticket: toHex(ticket),
    binderKey: toHex(await binderKey(client, resumption)),
    binder: toHex(resumeHello.subarray(resumeHello.length - 32)),
    resumeHello: toHex(resumeHello),
    serverHello: toHex(flight.serverHello),
    transcriptHash: toHex(
      await client.sha256(new Uint8Array([...s.serverKeyFrame, ...resumeHello, ...flight.serverHello])),
    ),
    serverFinished: toHex(flight.serverFinished),
    clientFinished: toHex(clientFinished),
  };
  const pick = (x: HandshakeSecrets) => ({
    master: toHex(x.master),
    c2s: toHex(x.c2s),
    s2c: toHex(x.s2c),
    finishedClientKey: toHex(x.finishedClient),
    finishedServerKey: toHex(x.finishedServer),
    nextResumption: toHex(x.resumption),
  });
  const [mine, theirs] = [pick(c.secrets!), pick(s.secrets!)];
  if (JSON.stringify(mine) !== JSON.stringify(theirs)) throw new Error("the two sides derived different secrets");
  Object.assign(out, mine);
  return out;
}

/** Wires the browser SDK, the stores and the session controller for this page's origin. */
import { createChatServices } from "../features/chat/services.js";
import { LocalStoragePinStore, createBrowserClient } from "@sealroom/sdk/browser";
import type { Sealroom } from "./context.js";
import { fetchServerKey } from "./server-key.js";
import { SessionController } from "./session.js";
import { LocalStorageTicketStore } from "./tickets.js";

export function createSealroom(): Sealroom {
  const pins = new LocalStoragePinStore();
  const tickets = new LocalStorageTicketStore();
  const client = createBrowserClient({
    pinStore: pins,
    tickets,
    // Pins are written only by the user's explicit "continue" on the first-contact screen. If the
    // pin is missing at handshake time anyway (storage cleared meanwhile), refuse: the client stops
    // with KeyRejectedError and the session controller shows the fingerprint screen again.
    onFirstUse: () => false,
  });
  const host = globalThis.location.host;
  const session = new SessionController({ client, pins, tickets, host, fetchServerKey: () => fetchServerKey() });
  return { client, session, host, chat: createChatServices(client) };
}

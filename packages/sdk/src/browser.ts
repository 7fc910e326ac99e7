/** The SDK for browsers: WebCrypto, the native WebSocket, and key pins in localStorage. */
import { webBackend } from "@sealroom/proto/session/web";
import { SealroomClient, type ClientOptions } from "./client.js";
import type { SocketLike } from "./link.js";
import type { PinStore } from "./pins.js";

export * from "./index.js";

const PIN_PREFIX = "sealroom.pin.";

export class LocalStoragePinStore implements PinStore {
  get(host: string): string | undefined {
    return globalThis.localStorage?.getItem(PIN_PREFIX + host) ?? undefined;
  }
  set(host: string, keyIdHex: string): void {
    globalThis.localStorage?.setItem(PIN_PREFIX + host, keyIdHex);
  }
  describe(host: string): string {
    return `the pin is in this browser's localStorage (${PIN_PREFIX}${host}); remove it (the web app offers this on its key-changed screen) and connect again.`;
  }
  /** Forgets a pin, after the user explicitly accepted a key change. */
  forget(host: string): void {
    globalThis.localStorage?.removeItem(PIN_PREFIX + host);
  }
}

export interface BrowserClientOptions extends Partial<Omit<ClientOptions, "pins">> {
  pin?: string;
  pinStore?: PinStore;
  onFirstUse?: (host: string, fingerprint: string) => boolean | Promise<boolean>;
}

/** The gateway serving this page: same origin, path /ws. */
export function sameOriginUrl(): string {
  const { protocol, host } = globalThis.location;
  return `${protocol === "https:" ? "wss:" : "ws:"}//${host}/ws`;
}

export function createBrowserClient(opts: BrowserClientOptions = {}): SealroomClient {
  const { pin, pinStore, onFirstUse, ...rest } = opts;
  return new SealroomClient({
    backend: webBackend,
    socketFactory: (url) => new WebSocket(url) as unknown as SocketLike,
    urls: [sameOriginUrl()],
    ...rest,
    pins: { store: pinStore ?? new LocalStoragePinStore(), pin, onFirstUse },
  });
}

export { IdbE2eStateStore } from "./e2e/idb-state-store.js";
export { IdbSearchIndexStore } from "./search/idb-index-store.js";

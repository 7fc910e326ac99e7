/** The SDK for Node: node:crypto, the `ws` package, and a known-hosts file for key pins. */
import { appendFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { nodeBackend } from "@sealroom/proto/session/node";
import { MAX_SERVER_MESSAGE_BYTES } from "@sealroom/proto/wire";
import { SealroomClient, type ClientOptions } from "./client.js";
import type { SocketLike } from "./link.js";
import type { PinStore } from "./pins.js";

export * from "./index.js";
export { FileE2eStateStore } from "./e2e/file-state-store.js";
export { E2eEngine } from "./e2e/engine.js";
export { FileSearchIndexStore } from "./search/file-index-store.js";
export { MessageIndex } from "./search/message-index.js";

/**
 * `~/.sealroom/known_hosts`: one `host sha256-hex` line per trusted server key. Its pins are kept
 * while the file's inode, size and mtime stay the same: a client reconnecting reads it once, not per
 * connection (in a gateway failover that read was 7% of a client's CPU), and an edit, by the user
 * or another process, is still seen on the next connection.
 */
export class KnownHostsFile implements PinStore {
  private cached?: { stamp: string; pins: Map<string, string> };

  constructor(readonly file: string = path.join(os.homedir(), ".sealroom", "known_hosts")) {}

  get(host: string): string | undefined {
    return this.pins().get(host);
  }

  private pins(): Map<string, string> {
    let stamp: string;
    try {
      const st = statSync(this.file);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return new Map();
    }
    if (this.cached?.stamp === stamp) return this.cached.pins;
    const pins = new Map<string, string>();
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch {
      return pins;
    }
    for (const line of text.split("\n")) {
      const [h, key] = line.trim().split(/\s+/);
      // The first line for a host wins, as describe() tells the user.
      if (h && key && !pins.has(h)) pins.set(h, key);
    }
    this.cached = { stamp, pins };
    return pins;
  }

  set(host: string, keyIdHex: string): void {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    appendFileSync(this.file, `${host} ${keyIdHex}\n`, { mode: 0o600 });
  }

  describe(host: string): string {
    return (
      `the pin is in ${this.file}; delete the line for ${host} there (the first line for a host wins, so ` +
      "adding one does not help) and connect again to trust the new key, or pass it with the pin option."
    );
  }
}

export interface NodeClientOptions extends Partial<Omit<ClientOptions, "urls" | "pins">> {
  urls: string[] | string;
  /** Explicit pin (hex or formatted fingerprint). Without it, the known-hosts file decides (TOFU). */
  pin?: string;
  knownHostsFile?: string;
  onFirstUse?: (host: string, fingerprint: string) => boolean | Promise<boolean>;
}

export function nodeSocketFactory(url: string): SocketLike {
  const maxPayload = MAX_SERVER_MESSAGE_BYTES + 1024; // record header and tag
  return new WebSocket(url, { perMessageDeflate: false, maxPayload }) as unknown as SocketLike;
}

export function createNodeClient(opts: NodeClientOptions): SealroomClient {
  const { pin, knownHostsFile, onFirstUse, urls, ...rest } = opts;
  return new SealroomClient({
    backend: nodeBackend,
    socketFactory: nodeSocketFactory,
    ...rest,
    urls: Array.isArray(urls) ? urls : [urls],
    pins: { store: new KnownHostsFile(knownHostsFile), pin, onFirstUse },
  });
}

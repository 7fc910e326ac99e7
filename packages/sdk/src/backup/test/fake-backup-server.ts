/**
 * A small in-memory stand-in for services/auth's four backup commands and its event delivery, for
 * the unit tests of the SDK's client logic only (the real stack's test lives in test/). Bodies are
 * checked with the contract's schemas, so a client sending what the server would refuse fails
 * here too. `relay` lets a test play a malicious server that rewrites device messages.
 */
import { BACKUP_AUTH_COMMANDS, type BackupKeyInfo } from "@sealroom/proto/backup";
import type { ClientEvents, ConnectionState, SealroomClient } from "../../client.js";
import { Emitter } from "../../emitter.js";
import { AppError } from "@sealroom/proto/errors";
import type { BackupDevice } from "../history-backup.js";

export interface RelayedMessage {
  fromDeviceId: string;
  toDeviceId: string | null;
  body: string;
}

type BackupCommand = keyof typeof BACKUP_AUTH_COMMANDS;

export class FakeBackupServer {
  key: BackupKeyInfo | null = null;
  readonly clients: FakeDeviceClient[] = [];
  /** Every device message sent, as sent. */
  readonly sent: RelayedMessage[] = [];
  /** What the relay delivers instead of a message (undefined: nothing). Default: the message. */
  relay: (message: RelayedMessage) => RelayedMessage | undefined = (m) => m;
  /** Runs before auth.backup.create is answered (a test makes another device win the race here). */
  beforeCreate: () => Promise<void> = async () => {};
  statusReads = 0;
  /** The next this-many auth.backup.status reads fail with this error (a timeout, a lost connection). */
  failStatusReads: { count: number; error: AppError } = { count: 0, error: new AppError("TIMEOUT") };
  /** auth.backup.create calls refused because another key was there first. */
  conflicts = 0;

  client(deviceId: string, userId = 7): FakeDeviceClient {
    const client = new FakeDeviceClient(this, deviceId, userId);
    this.clients.push(client);
    return client;
  }

  async answer(from: FakeDeviceClient, type: BackupCommand, rawBody: unknown): Promise<unknown> {
    await Promise.resolve();
    const parsed = BACKUP_AUTH_COMMANDS[type].body.safeParse(rawBody);
    if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message);
    if (type === "auth.backup.status") {
      this.statusReads++;
      if (this.failStatusReads.count > 0) {
        this.failStatusReads.count--;
        throw this.failStatusReads.error;
      }
      return { key: this.key && structuredClone(this.key), wrap: null, links: [] };
    }
    if (type === "auth.backup.create") {
      const body = parsed.data as { version: number; check: string; passphrase: BackupKeyInfo["passphrase"] };
      await this.beforeCreate();
      if (body.version !== (this.key?.version ?? 0) + 1) {
        this.conflicts++;
        throw new AppError("CONFLICT");
      }
      this.key = { version: body.version, check: body.check, passphrase: body.passphrase };
      this.broadcast(from.userId, "auth.backup.changed.v1", { version: body.version });
      return {};
    }
    if (type === "auth.backup.setPassphrase") {
      const body = parsed.data as { version: number; passphrase: BackupKeyInfo["passphrase"] };
      if (!this.key) throw new AppError("NOT_FOUND");
      if (body.version !== this.key.version) throw new AppError("CONFLICT");
      this.key = { ...this.key, passphrase: body.passphrase };
      this.broadcast(from.userId, "auth.backup.changed.v1", { version: body.version });
      return {};
    }
    const body = parsed.data as { toDeviceId: string | null; body: string };
    const message = { fromDeviceId: from.deviceId, toDeviceId: body.toDeviceId, body: body.body };
    this.sent.push(message);
    const delivered = this.relay(message);
    if (delivered) this.broadcast(from.userId, "auth.backup.deviceMessage.v1", delivered);
    return {};
  }

  /** To every signed-in client of the user, a tick later (as over the network). */
  broadcast(userId: number, type: string, body: unknown): void {
    for (const client of this.clients) {
      if (client.user?.id === userId) setTimeout(() => client.deliver(type, structuredClone(body)));
    }
  }
}

export class FakeDeviceClient extends Emitter<ClientEvents> {
  user: { id: number; username: string } | undefined;
  state: ConnectionState = "idle";

  constructor(
    private readonly server: FakeBackupServer,
    readonly deviceId: string,
    readonly userId: number,
  ) {
    super();
  }

  signIn(): void {
    this.user = { id: this.userId, username: `user${this.userId}` };
    this.state = "ready";
    this.emit("state", "ready");
    this.emit("signedIn", this.user);
  }

  signOut(): void {
    this.user = undefined;
    this.state = "idle";
    this.emit("signedOut", "logout");
  }

  deliver(type: string, body: unknown): void {
    if (this.user) this.emit("event", type, body);
  }

  // Typed like SealroomClient.request; the fake answers only the backup's auth commands.
  request = (async (type: string, body: unknown) => {
    if (!this.user) throw new AppError("NOT_AUTHENTICATED");
    if (!(type in BACKUP_AUTH_COMMANDS)) throw new AppError("UNKNOWN_COMMAND");
    return this.server.answer(this, type as BackupCommand, body);
  }) as unknown as SealroomClient["request"];
}

/** A device that has no KeyPackages to open rotated keys with (the stand-in server never rotates). */
export const deviceOnly = (deviceId: string): BackupDevice => ({
  id: async () => deviceId,
  openSealed: () => Promise.reject(new Error("no KeyPackages in this test")),
});

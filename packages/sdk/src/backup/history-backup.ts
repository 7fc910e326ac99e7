/**
 * HistoryBackup (docs/E2E.md section 12): whether this device holds the user's backup key, the
 * recovery passphrase, and the approval of new devices. After every sign-in it reads
 * auth.backup.status: no key yet, this device makes one (version 1; another device that was first
 * wins, CONFLICT, and this one is locked); a key held here whose check matches, ready; otherwise
 * locked until another device approves this one or the passphrase unlocks the key.
 *
 * The keys live in the E2eStateStore by version (a ring of the newest few), so entries sealed under
 * an older version still open after a rotation. A logout forgets them with the rest of the user's
 * state (the engine's `clear`); any sign-out drops them from memory here.
 */
import type { BACKUP_AUTH_COMMANDS } from "@sealroom/proto/backup";
import { BACKUP_EVENTS, BACKUP_LIMITS, type BackupKeyInfo } from "@sealroom/proto/backup";
import type { z } from "zod";
import { AppError } from "@sealroom/proto/errors";
import type { SealroomClient } from "../client.js";
import { fromB64 } from "../e2e/base64url.js";
import { Emitter } from "../emitter.js";
import type { E2eStateStore, StoredBackupKey } from "../e2e/state-store.js";
import { Approvals, type ApprovalTiming } from "./approval.js";
import { encodeApprovalMessage, parseApprovalMessage } from "./approval-messages.js";
import { keyCheck, newBackupKey, unwrapWithPassphrase, wrapWithPassphrase, type PassphraseKdf } from "./crypto.js";
import { b64ToHex, openLink, sealLink, wrapContext, wrapFor } from "./rotation-crypto.js";
import type { BackupEvents, BackupStatus, HistoryBackupApi, PassphraseProblem } from "./types.js";

type Client = Pick<SealroomClient, "request" | "on" | "user" | "state">;
export type BackupKeyStore = Pick<E2eStateStore, "loadBackupKeys" | "saveBackupKeys">;
type ServerStatus = z.infer<(typeof BACKUP_AUTH_COMMANDS)["auth.backup.status"]["value"]>;

/** What the backup needs of this session's end-to-end device. */
export interface BackupDevice {
  /** The device's id, once registered. */
  id(): Promise<string>;
  /** `Device.openSealed` (a rotated key sealed to one of its KeyPackages), its state persisted after. */
  openSealed(refHex: string, enc: Uint8Array, ct: Uint8Array, info: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

export interface HistoryBackupOptions {
  /** The passphrase wrap's argon2id cost (tests lower it); default PASSPHRASE_KDF. */
  passphraseKdf?: PassphraseKdf;
  approvalTiming?: ApprovalTiming;
}

/** Versions of the key kept on a device: older entries of the archive stay readable after rotations. */
const RING_SIZE = BACKUP_LIMITS.linksMax + 1;
/** A status read that failed for a passing reason is tried again after this, doubled each time, up to the cap. */
const REREAD_FIRST_MS = 500;
const REREAD_MAX_MS = 30_000;
export const PASSPHRASE_MIN_CHARS = 12;

/** Why a passphrase is refused, or undefined when it is acceptable. Counted in characters after NFKC. */
export function passphraseProblem(passphrase: string): PassphraseProblem | undefined {
  const chars = [...passphrase.normalize("NFKC")];
  if (chars.length < PASSPHRASE_MIN_CHARS) return "short";
  // One character over and over, or a keyboard run: long, and guessed first.
  const lower = chars.join("").toLowerCase();
  if (new Set(chars).size <= 2 || /^(0123456789|1234567890|qwertyuiop|abcdefghij)/.test(lower)) return "common";
  return undefined;
}

export class HistoryBackup extends Emitter<BackupEvents> implements HistoryBackupApi {
  private statusValue: BackupStatus = { kind: "loading" };
  private user: number | undefined;
  private keys: StoredBackupKey[] = [];
  private loaded: Promise<void> = Promise.resolve();
  /** Bumped at every sign-in and sign-out: work begun for an earlier one does nothing. */
  private generation = 0;
  private refreshing: Promise<void> = Promise.resolve();
  private reread: ReturnType<typeof setTimeout> | undefined;
  private device: Promise<string> | undefined;
  private readonly approvals: Approvals;
  private readonly offs: Array<() => void> = [];

  constructor(
    private readonly client: Client,
    private readonly store: BackupKeyStore,
    private readonly thisDevice: BackupDevice,
    private readonly opts: HistoryBackupOptions = {},
  ) {
    super();
    this.approvals = new Approvals(
      {
        send: async (toDeviceId, message) => {
          await this.deviceId(); // the relay needs this session's device registered
          await this.client.request("auth.backup.deviceMessage", { toDeviceId, body: encodeApprovalMessage(message) });
        },
        currentKey: () => this.currentKey(),
        acceptKey: (version, key) => this.acceptKey(version, key),
        changed: () => this.emit("change"),
      },
      opts.approvalTiming,
    );
  }

  get status(): BackupStatus {
    return this.statusValue;
  }
  get outgoing() {
    return this.approvals.outgoing;
  }
  get incoming() {
    return this.approvals.incoming;
  }
  /** The signed-in user this state belongs to. */
  get userId(): number | undefined {
    return this.user;
  }

  /** The key of a version, held here (to open archive entries sealed under it). */
  keyFor(version: number): Uint8Array | undefined {
    return this.keys.find((k) => k.version === version)?.key;
  }

  /** The key to seal new entries under: the current version, once this device is ready. */
  currentKey(): { version: number; key: Uint8Array } | undefined {
    if (this.statusValue.kind !== "ready") return undefined;
    const key = this.keyFor(this.statusValue.version);
    return key && { version: this.statusValue.version, key };
  }

  /** Follows the client: the status after every sign-in, the key's changes, device messages. */
  start(): void {
    if (this.offs.length > 0) return;
    this.offs.push(
      this.client.on("signedIn", () => this.signedIn()),
      this.client.on("signedOut", () => this.signedOut()),
      // A password change signed every other session out, their devices with them: rotate as when
      // one device is signed out (a failure leaves the old key in use, as before the change).
      this.client.on("sessionMoved", () => {
        if (this.statusValue.kind === "ready") void this.rotate().catch(() => undefined);
      }),
      this.client.on("event", (type, body) => this.onEvent(type, body)),
    );
    if (this.client.state === "ready" && this.client.user) this.signedIn();
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    clearTimeout(this.reread);
    this.approvals.reset();
  }

  async setPassphrase(passphrase: string): Promise<void> {
    const problem = passphraseProblem(passphrase);
    if (problem === "short")
      throw new AppError("BAD_REQUEST", `A recovery passphrase is at least ${PASSPHRASE_MIN_CHARS} characters.`);
    if (problem === "common") throw new AppError("BAD_REQUEST", "That passphrase is too easy to guess.");
    const held = this.heldOrThrow();
    const wrap = await wrapWithPassphrase(held.key, held.version, passphrase, this.opts.passphraseKdf);
    await this.client.request("auth.backup.setPassphrase", { version: held.version, passphrase: wrap });
    this.setPassphraseFlag(held.version, true);
  }

  async removePassphrase(): Promise<void> {
    const held = this.heldOrThrow();
    await this.client.request("auth.backup.setPassphrase", { version: held.version, passphrase: null });
    this.setPassphraseFlag(held.version, false);
  }

  async removeDevice(deviceId: string): Promise<void> {
    await this.client.request("auth.keys.removeDevice", { deviceId });
    if (this.statusValue.kind === "ready") await this.rotate();
  }

  async rotate(): Promise<void> {
    const generation = this.generation;
    const held = this.heldOrThrow();
    const userId = this.user;
    if (userId === undefined) return;
    const me = await this.deviceId();
    const { devices } = await this.client.request("auth.keys.devices", { userId });
    const others = devices.filter((d) => d.deviceId !== me);
    const claimed =
      others.length === 0
        ? []
        : (await this.client.request("auth.keys.claim", { userId, deviceIds: others.map((d) => d.deviceId) }))
            .keyPackages;
    const version = held.version + 1;
    const key = newBackupKey();
    const wraps = [];
    for (const kp of claimed) {
      const device = others.find((d) => d.deviceId === kp.deviceId);
      if (!device) continue;
      try {
        wraps.push(await wrapFor(userId, version, key, { ...kp, signatureKey: device.signatureKey }));
      } catch {
        // A package that does not name the device or its listed key: that device is approved again.
      }
    }
    const check = await keyCheck(key);
    const previous = await sealLink(key, version, userId, held.key);
    // Saved before it is sent: a key the server took must never be one this device lost.
    await this.saveKey(version, key, generation);
    try {
      await this.client.request("auth.backup.create", { version, check, passphrase: null, previous, wraps });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "CONFLICT") throw err;
      // Another device rotated first: its rotation sealed the key to this device too.
      return this.refresh();
    }
    if (generation === this.generation) this.setStatus({ kind: "ready", version, passphrase: false });
  }

  async unlockWithPassphrase(passphrase: string): Promise<boolean> {
    if (this.statusValue.kind === "ready") return true;
    const status = await this.client.request("auth.backup.status", {});
    const info = status.key;
    if (!info?.passphrase) throw new AppError("NOT_FOUND", "No recovery passphrase is set.");
    const key = await unwrapWithPassphrase(info.passphrase, info.version, passphrase);
    if (!key || (await keyCheck(key)) !== info.check) return false;
    const adopted = await this.adopt(info.version, key, true);
    if (adopted) await this.followLinks(info.version, status.links);
    // Asking other devices is moot now.
    if (adopted && this.outgoing && !["approved", "declined", "failed"].includes(this.outgoing.state))
      this.approvals.cancel();
    return adopted;
  }

  requestApproval(): void {
    if (this.statusValue.kind === "locked") this.approvals.request();
  }
  cancelApproval(): void {
    this.approvals.cancel();
  }
  compare(requestId: string): void {
    this.approvals.compare(requestId);
  }
  confirm(requestId: string): Promise<void> {
    return this.approvals.confirm(requestId);
  }
  decline(requestId: string): void {
    this.approvals.decline(requestId);
  }
  dismiss(requestId: string): void {
    this.approvals.dismiss(requestId);
  }

  private signedIn(): void {
    const user = this.client.user;
    if (!user) return;
    if (user.id !== this.user) {
      this.forget();
      this.user = user.id;
      const generation = this.generation;
      this.loaded = this.store.loadBackupKeys(user.id).then(
        (keys) => {
          if (generation === this.generation) this.keys = keys;
        },
        () => undefined,
      );
    }
    this.device = undefined; // a new session registers its own device
    this.refresh();
  }

  private signedOut(): void {
    this.forget();
    this.emit("change");
  }

  private forget(): void {
    this.generation++;
    clearTimeout(this.reread);
    this.user = undefined;
    this.keys = [];
    this.device = undefined;
    this.statusValue = { kind: "loading" };
    this.approvals.reset();
  }

  private onEvent(type: string, body: unknown): void {
    if (type === "auth.backup.changed.v1") return this.refresh();
    if (type !== "auth.backup.deviceMessage.v1") return;
    const parsed = BACKUP_EVENTS[type].safeParse(body);
    const message = parsed.success ? parseApprovalMessage(parsed.data.body) : undefined;
    if (!parsed.success || !message) return;
    const { fromDeviceId, toDeviceId } = parsed.data;
    void this.deviceId()
      .then((me) => {
        if (fromDeviceId === me || (toDeviceId !== null && toDeviceId !== me)) return;
        return this.approvals.handle(fromDeviceId, message);
      })
      .catch(() => undefined);
  }

  private deviceId(): Promise<string> {
    const device = (this.device ??= this.thisDevice.id());
    device.catch(() => {
      if (this.device === device) this.device = undefined;
    });
    return device;
  }

  /**
   * Reads the status again, one read at a time. A read that fails for a passing reason (a timeout,
   * a lost connection, a busy service: a retryable error) is tried again, later each time, until
   * one succeeds or the user changes. Left as it was, a device whose read at sign-in failed stayed
   * "loading" for the whole session: it sealed nothing into the archive and answered no approval.
   */
  private refresh(attempt = 0): void {
    const generation = this.generation;
    clearTimeout(this.reread);
    this.refreshing = this.refreshing
      .then(() => this.readStatus(generation))
      .catch((err: unknown) => {
        const stopped = this.offs.length === 0;
        if (stopped || generation !== this.generation || !(err instanceof AppError) || !err.retryable) return;
        const delay = Math.max(err.retryAfterMs ?? 0, Math.min(REREAD_MAX_MS, REREAD_FIRST_MS * 2 ** attempt));
        clearTimeout(this.reread);
        // forget(), the only change of generation, clears this timer.
        this.reread = setTimeout(() => this.refresh(attempt + 1), delay);
      })
      .then(() => undefined);
  }

  private async readStatus(generation: number): Promise<void> {
    await this.loaded;
    if (generation !== this.generation || this.user === undefined) return;
    const status = await this.client.request("auth.backup.status", {});
    if (generation !== this.generation) return;
    if (status.key) return this.settle(status.key, status);
    const info = await this.createFirst(generation);
    if (!info || generation !== this.generation) return;
    await this.settle(info, { wrap: null, links: [] });
  }

  /** The user's first key, made here: a key saved by an earlier try is sent again, not replaced. */
  private async createFirst(generation: number): Promise<BackupKeyInfo | null> {
    const key = this.keyFor(1) ?? newBackupKey();
    const check = await keyCheck(key);
    // Saved before it is sent: a key the server took must never be one this device lost.
    await this.saveKey(1, key, generation);
    try {
      await this.client.request("auth.backup.create", { version: 1, check, passphrase: null });
      return { version: 1, check, passphrase: null };
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "CONFLICT") throw err;
      // Another device was first: its key is the user's, read it.
      return (await this.client.request("auth.backup.status", {})).key;
    }
  }

  /**
   * Ready when the key of the server's version is held here and checks out, or a rotation sealed
   * it to this device; a held key that does not check out is dropped. Once ready, the links back
   * open the older keys this device lacks.
   */
  private async settle(info: BackupKeyInfo, status: Pick<ServerStatus, "wrap" | "links">): Promise<void> {
    const held = this.keyFor(info.version);
    const passphrase = info.passphrase !== null;
    if (held && (await keyCheck(held)) === info.check) {
      this.setStatus({ kind: "ready", version: info.version, passphrase });
      return this.followLinks(info.version, status.links);
    }
    if (held) await this.dropKey(info.version);
    const unwrapped = status.wrap && (await this.openWrap(info.version, status.wrap));
    if (
      unwrapped &&
      (await keyCheck(unwrapped)) === info.check &&
      (await this.adopt(info.version, unwrapped, passphrase))
    )
      return this.followLinks(info.version, status.links);
    this.setStatus({ kind: "locked", passphrase });
  }

  /** The rotated key a device of the user sealed to this one; undefined if it does not open here. */
  private async openWrap(version: number, wrap: NonNullable<ServerStatus["wrap"]>): Promise<Uint8Array | undefined> {
    const userId = this.user;
    if (userId === undefined) return undefined;
    try {
      const deviceId = await this.deviceId();
      const { info, aad } = wrapContext(userId, deviceId, version);
      const refHex = b64ToHex(wrap.keyPackageRef);
      return await this.thisDevice.openSealed(refHex, fromB64(wrap.enc), fromB64(wrap.sealed), info, aad);
    } catch {
      return undefined; // sealed to a KeyPackage this device no longer holds, or not to it at all
    }
  }

  /** Opens the keys before `version` this device lacks, newest first, as far as the links reach. */
  private async followLinks(version: number, links: ServerStatus["links"]): Promise<void> {
    const generation = this.generation;
    const userId = this.user;
    let key = this.keyFor(version);
    for (let v = version; key && v > 1 && userId !== undefined; v--) {
      const older = this.keyFor(v - 1);
      if (older) {
        key = older;
        continue;
      }
      const link = links.find((l) => l.version === v);
      const opened = link && (await openLink(key, v, userId, link.sealed));
      if (!opened) return;
      await this.saveKey(v - 1, opened, generation);
      key = opened;
    }
  }

  /** A key from a grant or the passphrase: taken when the server's check of its version agrees. */
  private async acceptKey(version: number, key: Uint8Array): Promise<boolean> {
    const status = await this.client.request("auth.backup.status", {});
    const info = status.key;
    if (!info || info.version !== version || (await keyCheck(key)) !== info.check) return false;
    const adopted = await this.adopt(version, key, info.passphrase !== null);
    if (adopted) await this.followLinks(version, status.links);
    return adopted;
  }

  private async adopt(version: number, key: Uint8Array, passphrase: boolean): Promise<boolean> {
    const generation = this.generation;
    await this.saveKey(version, key, generation);
    if (generation !== this.generation) return false;
    this.setStatus({ kind: "ready", version, passphrase });
    return true;
  }

  private async saveKey(version: number, key: Uint8Array, generation: number): Promise<void> {
    const userId = this.user;
    if (generation !== this.generation || userId === undefined) return;
    const ring = [...this.keys.filter((k) => k.version !== version), { version, key: Uint8Array.from(key) }]
      .sort((a, b) => a.version - b.version)
      .slice(-RING_SIZE);
    this.keys = ring;
    await this.store.saveBackupKeys(userId, ring);
  }

  private async dropKey(version: number): Promise<void> {
    const userId = this.user;
    if (userId === undefined) return;
    this.keys = this.keys.filter((k) => k.version !== version);
    await this.store.saveBackupKeys(userId, this.keys);
  }

  private heldOrThrow(): { version: number; key: Uint8Array } {
    const held = this.currentKey();
    if (!held) throw new AppError("CONFLICT", "This device does not hold the backup key.");
    return held;
  }

  private setPassphraseFlag(version: number, passphrase: boolean): void {
    if (this.statusValue.kind === "ready" && this.statusValue.version === version)
      this.setStatus({ kind: "ready", version, passphrase });
  }

  private setStatus(status: BackupStatus): void {
    this.statusValue = status;
    this.emit("change");
  }
}

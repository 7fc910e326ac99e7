/**
 * A HistoryBackupApi for component tests: the state a test sets (as the SDK's HistoryBackup would
 * reach it), a "change" after each step, and the calls the UI made. The real one is tested in the
 * SDK against the services; here only what the views do with each state is.
 */
import { act } from "@testing-library/react";
import { AppError } from "@sealroom/proto/errors";
import type {
  BackupEvents,
  BackupStatus,
  HistoryBackupApi,
  IncomingApproval,
  OutgoingApproval,
} from "@sealroom/sdk/browser";
import type { ChatHarness } from "./test-support.js";

export class FakeHistoryBackup implements HistoryBackupApi {
  status: BackupStatus = { kind: "ready", version: 1, passphrase: false };
  outgoing: OutgoingApproval | undefined;
  incoming: IncomingApproval[] = [];
  readonly calls: string[] = [];
  /** What unlockWithPassphrase answers; a test may hold it with a promise of its own. */
  unlockImpl: (passphrase: string) => Promise<boolean> = async (p) => p === "correct horse battery";
  /** What setPassphrase does beyond recording: refuses "password1234" as the SDK would a common one. */
  setImpl: (passphrase: string) => Promise<void> = async (p) => {
    if (p === "password1234") throw new AppError("BAD_REQUEST");
    this.status = { kind: "ready", version: 1, passphrase: true };
  };
  private readonly handlers = new Set<() => void>();

  on<K extends keyof BackupEvents>(_event: K, handler: (...args: BackupEvents[K]) => void): () => void {
    const h = handler as () => void;
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }

  /** Moves to a new state and tells the views, inside act (as an SDK event would arrive). */
  set(next: Partial<Pick<FakeHistoryBackup, "status" | "outgoing" | "incoming">>): void {
    act(() => {
      Object.assign(this, next);
      this.emit();
    });
  }

  private emit(): void {
    for (const h of this.handlers) h();
  }

  async setPassphrase(passphrase: string): Promise<void> {
    this.calls.push(`setPassphrase:${passphrase}`);
    await this.setImpl(passphrase);
    this.emit();
  }

  async removePassphrase(): Promise<void> {
    this.calls.push("removePassphrase");
    this.status = { kind: "ready", version: 1, passphrase: false };
    this.emit();
  }

  /** The SDK signs the device out, then rotates: here only the rotation's visible outcome. */
  async removeDevice(deviceId: string): Promise<void> {
    this.calls.push(`removeDevice:${deviceId}`);
    await this.rotate();
  }

  async rotate(): Promise<void> {
    this.calls.push("rotate");
    const version = this.status.kind === "ready" ? this.status.version + 1 : 1;
    this.status = { kind: "ready", version, passphrase: false };
    this.emit();
  }

  async unlockWithPassphrase(passphrase: string): Promise<boolean> {
    this.calls.push(`unlock:${passphrase}`);
    const ok = await this.unlockImpl(passphrase);
    if (ok) {
      this.status = { kind: "ready", version: 1, passphrase: true };
      this.emit();
    }
    return ok;
  }

  requestApproval(): void {
    this.calls.push("requestApproval");
    this.outgoing = { requestId: `r${this.calls.length}`, state: "waiting" };
    this.emit();
  }

  cancelApproval(): void {
    this.calls.push("cancelApproval");
    this.outgoing = undefined;
    this.emit();
  }

  compare(requestId: string): void {
    this.calls.push(`compare:${requestId}`);
    this.incoming = this.incoming.map((a) =>
      a.requestId === requestId ? { requestId, deviceId: a.deviceId, state: "connecting" } : a,
    );
    this.emit();
  }

  async confirm(requestId: string): Promise<void> {
    this.calls.push(`confirm:${requestId}`);
    this.incoming = this.incoming.map((a) =>
      a.requestId === requestId ? { requestId, deviceId: a.deviceId, state: "approved" } : a,
    );
    this.emit();
  }

  decline(requestId: string): void {
    this.calls.push(`decline:${requestId}`);
    this.incoming = this.incoming.map((a) =>
      a.requestId === requestId ? { requestId, deviceId: a.deviceId, state: "declined" } : a,
    );
    this.emit();
  }

  dismiss(requestId: string): void {
    this.calls.push(`dismiss:${requestId}`);
    this.incoming = this.incoming.filter((a) => a.requestId !== requestId);
    this.emit();
  }
}

/** Gives the harness's real ChatStore the fake as its `backup` (the store's own is undefined for now). */
export function withBackup(h: ChatHarness, backup = new FakeHistoryBackup()): FakeHistoryBackup {
  Object.defineProperty(h.store, "backup", { value: backup, configurable: true });
  return backup;
}

/** The user's devices as the key directory lists them, for the names an approval shows. */
export function listDevices(h: ChatHarness, devices: { deviceId: string; name: string }[]): void {
  h.client.commands["auth.keys.devices"] = () => ({
    devices: devices.map((d) => ({
      ...d,
      userId: 1,
      signatureKey: "A".repeat(43),
      createdAt: 0,
      lastActiveAt: 0,
    })),
  });
}

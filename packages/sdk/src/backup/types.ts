/**
 * The history backup as an app sees it (docs/E2E.md section 12): whether this device holds the
 * user's backup key, the recovery passphrase, and the approval of a new device by one already
 * signed in. `HistoryBackup` (history-backup.ts) implements it; ChatStore exposes it as `backup`.
 */

export type BackupStatus =
  /** Not known yet: signing in, offline, or the server not answering yet. */
  | { kind: "loading" }
  /** This device holds the backup key: it writes what it reads to the archive and reads it back. */
  | { kind: "ready"; version: number; passphrase: boolean }
  /**
   * The user has a backup key and this device does not hold it: what was said before this device
   * joined stays unreadable here until another device approves it, or the recovery passphrase
   * (`passphrase`: the user set one) unlocks it.
   */
  | { kind: "locked"; passphrase: boolean };

/** Six digits as shown and compared: "123 456". */
export type ApprovalCode = string;

/** This device asking one already signed in for the backup key. */
export type OutgoingApproval =
  /** Sent to the user's other devices (again every few seconds while none answers). */
  | { requestId: string; state: "waiting" }
  /** A device answered: the same code should show on it. */
  | { requestId: string; state: "comparing"; code: ApprovalCode; deviceId: string }
  /** The key arrived and checked out: the status is "ready" now. */
  | { requestId: string; state: "approved"; deviceId: string }
  /** The other device said the codes differ, or refused. */
  | { requestId: string; state: "declined"; deviceId: string }
  /** What arrived did not check out (a wrong key, a commitment that does not match). */
  | { requestId: string; state: "failed" };

/** Another of the user's devices asking this one for the backup key. */
export type IncomingApproval =
  /** Asked: the user may start comparing codes, or ignore it. */
  | { requestId: string; deviceId: string; state: "asked" }
  /** Waiting for the new device's public key. */
  | { requestId: string; deviceId: string; state: "connecting" }
  /** Both sides hold the code: the user compares and confirms or declines. */
  | { requestId: string; deviceId: string; state: "comparing"; code: ApprovalCode }
  | { requestId: string; deviceId: string; state: "approved" }
  | { requestId: string; deviceId: string; state: "declined" }
  /** The new device's key did not match its commitment: nothing was sent. */
  | { requestId: string; deviceId: string; state: "failed" };

export interface BackupEvents extends Record<string, unknown[]> {
  /** status, outgoing or incoming changed. */
  change: [];
}

/** Why a passphrase is refused before anything is derived from it. */
export type PassphraseProblem = "short" | "common";

export interface HistoryBackupApi {
  readonly status: BackupStatus;
  readonly outgoing: OutgoingApproval | undefined;
  /** Newest first; finished ones stay until dismissed. */
  readonly incoming: readonly IncomingApproval[];
  on<K extends keyof BackupEvents>(event: K, handler: (...args: BackupEvents[K]) => void): () => void;

  /** Sets or replaces the recovery passphrase (status "ready" only). Throws AppError BAD_REQUEST for a weak one. */
  setPassphrase(passphrase: string): Promise<void>;
  removePassphrase(): Promise<void>;
  /**
   * Signs another of the user's devices out (auth.keys.removeDevice); then, when this device holds
   * the backup key, rotates it (`rotate`), so that the removed device cannot open what is archived
   * from now on. Throws when the removal fails, or the rotation does (the device is removed then).
   */
  removeDevice(deviceId: string): Promise<void>;
  /**
   * A new backup key (the current version + 1; status "ready" only), sealed to each other device of
   * the user through one of its KeyPackages, with the link back to the old key. The recovery
   * passphrase no longer unlocks it: the user sets it again. Throws AppError CONFLICT when this
   * device does not hold the key.
   */
  rotate(): Promise<void>;
  /** Status "locked" with a passphrase: true once the key is unlocked, false for a wrong passphrase. */
  unlockWithPassphrase(passphrase: string): Promise<boolean>;

  /** Status "locked": asks the user's other devices. */
  requestApproval(): void;
  cancelApproval(): void;

  /** Incoming "asked": answers it, which leads to "comparing" with a code. */
  compare(requestId: string): void;
  /** Incoming "comparing": the codes match, the key is sent to the new device. */
  confirm(requestId: string): Promise<void>;
  /** Incoming "asked" or "comparing": refused (the new device is told). */
  decline(requestId: string): void;
  /** Forgets a finished incoming approval. */
  dismiss(requestId: string): void;
}

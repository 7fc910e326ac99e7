/**
 * The approval of a new device by one that holds the backup key (docs/E2E.md section 12), over
 * auth.backup.deviceMessage:
 *
 *     N -> all   request { id, commit = SHA-256(pkN) }      (again every 5 s while nobody answers)
 *     O -> N     offer   { id, pkO }                        (the user on O chose to compare)
 *     N -> O     key     { id, pkN }                        (the first offer only)
 *     O          SHA-256(pkN) == commit, else failed; both show the code
 *     O -> N     grant   { id, version, wrapped }  or  decline { id }
 *     N -> O     cancel  { id }                             (N stopped asking)
 *
 * N reveals pkN only after it has pkO, and is bound to pkN (the commitment) before O reveals pkO:
 * whoever sits in the middle fixes its keys before it learns what the other side's code will
 * depend on, so it cannot grind keys until six digits match (one try in a million per approval the
 * user sees). Messages from unknown requests or unexpected devices, and malformed ones, are
 * ignored; nothing here throws into an event handler.
 *
 * N gives up after 2 minutes without an offer (state "failed": nobody answered; asking again makes
 * a new request), as does O waiting for N's key: device messages reach only the devices online.
 */
import { AppError } from "@sealroom/proto/errors";
import { b64, fromB64 } from "../e2e/base64url.js";
import {
  approvalSecrets,
  commitmentOf,
  newApprovalKeyPair,
  openGrant,
  sealGrant,
  type ApprovalKeyPair,
  type ApprovalSecrets,
} from "./approval-crypto.js";
import type { ApprovalMessage } from "./approval-messages.js";
import type { IncomingApproval, OutgoingApproval } from "./types.js";

export interface ApprovalTiming {
  /** How often a request (N) or an offer (O) is sent again while no answer came. Default 5 s. */
  resendMs: number;
  /** How long N waits for an offer, and O for N's key, before it gives up. Default 2 min. */
  giveUpMs: number;
}
export const APPROVAL_TIMING: ApprovalTiming = { resendMs: 5_000, giveUpMs: 120_000 };

export interface ApprovalHost {
  send(toDeviceId: string | null, message: ApprovalMessage): Promise<void>;
  /** The key this device gives away; undefined: it holds none (and answers no request). */
  currentKey(): { version: number; key: Uint8Array } | undefined;
  /** A granted key: true once it checked out against the server's key check and is stored. */
  acceptKey(version: number, key: Uint8Array): Promise<boolean>;
  changed(): void;
}

/** Finished or not, at most this many incoming approvals are listed (the oldest go first). */
const INCOMING_MAX = 8;

interface Outgoing {
  view: OutgoingApproval;
  pair?: ApprovalKeyPair;
  /** The device whose offer was taken, its key (as sent) and what both derive from it. */
  peer?: { deviceId: string; pk: string; secrets: ApprovalSecrets };
  /** An offer or a grant is being worked on: another arriving meanwhile is ignored. */
  busy?: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

interface Incoming {
  view: IncomingApproval;
  commit: string;
  pair?: ApprovalKeyPair;
  secrets?: ApprovalSecrets;
  timer?: ReturnType<typeof setTimeout>;
}

const newRequestId = () => b64(crypto.getRandomValues(new Uint8Array(16)));
const finished = (state: string) => state === "approved" || state === "declined" || state === "failed";

export class Approvals {
  private out: Outgoing | undefined;
  private readonly ins: Incoming[] = [];
  /** Requests dismissed or dropped here: the new device's resends must not bring them back. */
  private readonly ignored = new Set<string>();

  constructor(
    private readonly host: ApprovalHost,
    private readonly timing: ApprovalTiming = APPROVAL_TIMING,
  ) {}

  get outgoing(): OutgoingApproval | undefined {
    return this.out?.view;
  }

  get incoming(): readonly IncomingApproval[] {
    return this.ins.map((i) => i.view);
  }

  /** Starts asking (a new request, replacing a finished one); a request under way stays. */
  request(): void {
    if (this.out && !finished(this.out.view.state)) return;
    const out: Outgoing = { view: { requestId: newRequestId(), state: "waiting" } };
    this.setOut(out);
    const started = Date.now();
    const ask = async () => {
      if (this.out !== out || out.view.state !== "waiting") return;
      if (Date.now() - started >= this.timing.giveUpMs) return this.updateOut(out, { ...out.view, state: "failed" });
      out.pair ??= await newApprovalKeyPair();
      const commit = await commitmentOf(out.pair.publicKey);
      await this.host.send(null, { t: "request", id: out.view.requestId, commit }).catch(noop);
      if (this.out === out && out.view.state === "waiting")
        out.timer = setTimeout(() => void ask(), this.timing.resendMs);
    };
    void ask().catch(() => this.updateOut(out, { requestId: out.view.requestId, state: "failed" }));
  }

  cancel(): void {
    const out = this.out;
    if (!out) return;
    if (!finished(out.view.state)) {
      const to = out.peer?.deviceId ?? null;
      void this.host.send(to, { t: "cancel", id: out.view.requestId }).catch(noop);
    }
    this.setOut(undefined);
  }

  compare(requestId: string): void {
    const entry = this.find(requestId);
    if (entry?.view.state !== "asked") return;
    const { deviceId } = entry.view;
    this.setIn(entry, { requestId, deviceId, state: "connecting" });
    const started = Date.now();
    const offer = async () => {
      if (!this.ins.includes(entry) || entry.view.state !== "connecting") return;
      if (Date.now() - started >= this.timing.giveUpMs)
        return this.setIn(entry, { requestId, deviceId, state: "failed" });
      entry.pair ??= await newApprovalKeyPair();
      await this.host.send(deviceId, { t: "offer", id: requestId, pk: b64(entry.pair.publicKey) }).catch(noop);
      if (entry.view.state === "connecting") entry.timer = setTimeout(() => void offer(), this.timing.resendMs);
    };
    void offer().catch(() => this.setIn(entry, { requestId, deviceId, state: "failed" }));
  }

  async confirm(requestId: string): Promise<void> {
    const entry = this.find(requestId);
    if (entry?.view.state !== "comparing" || !entry.secrets)
      throw new AppError("NOT_FOUND", "No approval with this id is comparing codes.");
    const held = this.host.currentKey();
    if (!held) throw new AppError("CONFLICT", "This device no longer holds the backup key.");
    const { deviceId } = entry.view;
    const wrapped = await sealGrant(entry.secrets.wrapKey, requestId, held.version, held.key);
    await this.host.send(deviceId, { t: "grant", id: requestId, version: held.version, wrapped });
    if (entry.view.state === "comparing") this.setIn(entry, { requestId, deviceId, state: "approved" });
  }

  decline(requestId: string): void {
    const entry = this.find(requestId);
    if (!entry || finished(entry.view.state)) return;
    const { deviceId } = entry.view;
    void this.host.send(deviceId, { t: "decline", id: requestId }).catch(noop);
    this.setIn(entry, { requestId, deviceId, state: "declined" });
  }

  /** Forgets an incoming approval; one under way is declined first. */
  dismiss(requestId: string): void {
    const entry = this.find(requestId);
    if (!entry) return;
    if (entry.view.state === "connecting" || entry.view.state === "comparing") this.decline(requestId);
    this.remove(entry);
  }

  /** A message from another of the user's devices (already parsed and addressed to this one). */
  async handle(from: string, message: ApprovalMessage): Promise<void> {
    try {
      if (message.t === "request") return this.onRequest(from, message.id, message.commit);
      if (message.t === "key") return await this.onKey(from, message.id, message.pk);
      if (message.t === "cancel") {
        const entry = this.find(message.id);
        if (entry && entry.view.deviceId === from && !finished(entry.view.state)) this.remove(entry);
        return;
      }
      const out = this.out;
      if (!out || out.view.requestId !== message.id) return;
      if (message.t === "offer") return await this.onOffer(out, from, message.pk);
      if (message.t === "grant") return await this.onGrant(out, from, message.version, message.wrapped);
      if (message.t === "decline") {
        const fromPeer = out.peer?.deviceId === from;
        if (out.view.state === "waiting" || (out.view.state === "comparing" && fromPeer))
          this.updateOut(out, { requestId: message.id, state: "declined", deviceId: from });
      }
    } catch {
      // A message that cannot be used is one that was not sent.
    }
  }

  /** Sign-out: everything under way stops, nothing is told. */
  reset(): void {
    this.setOut(undefined);
    for (const entry of [...this.ins]) this.remove(entry);
    this.ignored.clear();
  }

  private onRequest(from: string, requestId: string, commit: string): void {
    if (!this.host.currentKey() || this.find(requestId) || this.ignored.has(requestId)) return;
    // A device asking again with a new request replaces its earlier one still waiting.
    for (const old of this.ins.filter((i) => i.view.deviceId === from && i.view.state === "asked")) this.remove(old);
    this.ins.unshift({ view: { requestId, deviceId: from, state: "asked" }, commit });
    const excess = this.ins.length - INCOMING_MAX;
    if (excess > 0) {
      const drop = [...this.ins].reverse().filter((i) => finished(i.view.state) || i.view.state === "asked");
      for (const entry of drop.slice(0, excess)) this.remove(entry, false);
    }
    this.host.changed();
  }

  private async onKey(from: string, requestId: string, pk: string): Promise<void> {
    const entry = this.find(requestId);
    if (!entry || entry.view.deviceId !== from || entry.view.state !== "connecting" || !entry.pair) return;
    const pair = entry.pair;
    clearTimeout(entry.timer);
    const peerKey = fromB64(pk);
    const failed = { requestId, deviceId: from, state: "failed" } as const;
    // The server (or anyone between) offering another key than the one committed to: stop here.
    if ((await commitmentOf(peerKey)) !== entry.commit) return this.setIn(entry, failed);
    const secrets = await approvalSecrets({ requestId, own: pair, peerPublicKey: peerKey, role: "old" }).catch(
      () => undefined,
    );
    if (entry.view.state !== "connecting") return;
    if (!secrets) return this.setIn(entry, failed);
    entry.secrets = secrets;
    this.setIn(entry, { requestId, deviceId: from, state: "comparing", code: secrets.code });
  }

  private async onOffer(out: Outgoing, from: string, pk: string): Promise<void> {
    const pair = out.pair;
    if (!pair) return;
    const requestId = out.view.requestId;
    if (out.peer) {
      // The same offer again: our key did not arrive. Any other offer: only the first is taken.
      if (out.peer.deviceId === from && out.peer.pk === pk && out.view.state === "comparing")
        await this.host.send(from, { t: "key", id: requestId, pk: b64(pair.publicKey) }).catch(noop);
      return;
    }
    if (out.view.state !== "waiting" || out.busy) return;
    // An offer whose key is not a point is not taken: the next real one still can be.
    out.busy = true;
    try {
      const secrets = await approvalSecrets({ requestId, own: pair, peerPublicKey: fromB64(pk), role: "new" }).catch(
        () => undefined,
      );
      if (this.out !== out || out.view.state !== "waiting" || !secrets) return;
      out.peer = { deviceId: from, pk, secrets };
      clearTimeout(out.timer);
      this.updateOut(out, { requestId, state: "comparing", code: secrets.code, deviceId: from });
    } finally {
      out.busy = false;
    }
    await this.host.send(from, { t: "key", id: requestId, pk: b64(pair.publicKey) }).catch(noop);
  }

  private async onGrant(out: Outgoing, from: string, version: number, wrapped: string): Promise<void> {
    const secrets = out.peer?.secrets;
    // Only the device whose offer was taken holds the wrap key; anyone else's grant is noise.
    if (out.view.state !== "comparing" || out.peer?.deviceId !== from || !secrets || out.busy) return;
    out.busy = true;
    const requestId = out.view.requestId;
    try {
      const key = await openGrant(secrets.wrapKey, requestId, version, wrapped);
      const accepted = key !== undefined && (await this.host.acceptKey(version, key).catch(() => false));
      if (this.out !== out) return;
      this.updateOut(out, accepted ? { requestId, state: "approved", deviceId: from } : { requestId, state: "failed" });
    } finally {
      out.busy = false;
    }
  }

  private find(requestId: string): Incoming | undefined {
    return this.ins.find((i) => i.view.requestId === requestId);
  }

  private setIn(entry: Incoming, view: IncomingApproval): void {
    if (finished(view.state)) clearTimeout(entry.timer);
    entry.view = view;
    if (finished(view.state)) entry.pair = undefined;
    this.host.changed();
  }

  private remove(entry: Incoming, notify = true): void {
    clearTimeout(entry.timer);
    this.ignored.add(entry.view.requestId);
    if (this.ignored.size > 64) this.ignored.delete(this.ignored.values().next().value as string);
    const at = this.ins.indexOf(entry);
    if (at >= 0) this.ins.splice(at, 1);
    if (notify) this.host.changed();
  }

  /** Makes `out` the request under way (undefined: none), stopping the one it replaces. */
  private setOut(out: Outgoing | undefined): void {
    if (this.out && this.out !== out) clearTimeout(this.out.timer);
    this.out = out;
    this.host.changed();
  }

  /** Moves `out` on, unless it was cancelled or replaced meanwhile. */
  private updateOut(out: Outgoing, view: OutgoingApproval): void {
    if (this.out !== out) return;
    if (finished(view.state)) clearTimeout(out.timer);
    out.view = view;
    this.host.changed();
  }
}

const noop = () => {};

/**
 * This client's end-to-end device (docs/E2E.md sections 3, 4 and 6): one per signed-in session.
 * After each sign-in, the device state kept for the user is used only if it was registered on this
 * very session (the key directory deletes a session's device with the session); otherwise a new key
 * pair is made, registered (`auth.keys.registerDevice`), and the new Device is persisted before
 * anything of it is published. Then the KeyPackage stock is topped up: below `lowWater` one-time
 * packages, new ones up to `target` (persisted first: the private halves must survive a crash
 * after the upload), and a last-resort one if the directory has none.
 */
import { Device, type DeviceOptions } from "@sealroom/e2e";
import { KEYS_LIMITS } from "@sealroom/proto/keys";
import { z } from "zod";
import type { SealroomClient } from "../client.js";
import { b64 } from "./base64url.js";
import type { E2eStateStore } from "./state-store.js";

export interface DeviceKeysOptions {
  /** Shown in the user's device list. Default "Node SDK". */
  deviceName?: string;
  /** Refill when fewer one-time KeyPackages than this are left. Default 20. */
  lowWater?: number;
  /** How many one-time KeyPackages a refill leaves in the directory. Default 60. */
  target?: number;
}

const RECORD_MAGIC = "sealroom-sdk-device:1";
const deviceHeaderSchema = z.object({ magic: z.literal(RECORD_MAGIC), sessionId: z.string() });

/** The stored record: the session the device belongs to, and the Device's own state. */
export function encodeDeviceRecord(sessionId: string, device: Device): Uint8Array {
  return recordOf(sessionId, device.exportState());
}

function recordOf(sessionId: string, state: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ magic: RECORD_MAGIC, sessionId }));
  const out = new Uint8Array(4 + header.length + state.length);
  new DataView(out.buffer).setUint32(0, header.length);
  out.set(header, 4);
  out.set(state, 4 + header.length);
  return out;
}

export function decodeDeviceRecord(bytes: Uint8Array): { sessionId: string; state: Uint8Array } | undefined {
  if (bytes.length < 4) return undefined;
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (4 + len > bytes.length) return undefined;
  try {
    const header = deviceHeaderSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + len))));
    if (!header.success) return undefined;
    return { sessionId: header.data.sessionId, state: bytes.subarray(4 + len) };
  } catch {
    return undefined;
  }
}

export class DeviceKeys {
  constructor(
    private readonly client: Pick<SealroomClient, "request">,
    private readonly store: E2eStateStore,
    private readonly opts: DeviceKeysOptions = {},
    /** The checks the Device's groups make (the key directory check of leaves). */
    private readonly deviceOptions: DeviceOptions = {},
  ) {}

  /** The session's device: loaded if it is this session's, registered anew otherwise; stock topped up. */
  async open(userId: number, sessionId: string): Promise<Device> {
    const device = (await this.load(userId, sessionId)) ?? (await this.create(userId, sessionId));
    await this.refill(userId, sessionId, device);
    return device;
  }

  /**
   * A password change moved the connection, and the directory the device, to a new session: the
   * stored device now belongs to that one.
   */
  async moveSession(userId: number, from: string, to: string): Promise<void> {
    const stored = await this.store.loadDevice(userId);
    const record = stored && decodeDeviceRecord(stored);
    if (record?.sessionId === from) await this.store.saveDevice(userId, recordOf(to, record.state));
  }

  private async load(userId: number, sessionId: string): Promise<Device | undefined> {
    const stored = await this.store.loadDevice(userId);
    const record = stored && decodeDeviceRecord(stored);
    if (!record || record.sessionId !== sessionId) return undefined;
    let device: Device;
    try {
      device = await Device.importState(record.state, this.deviceOptions);
    } catch {
      return undefined;
    }
    // Registering the same key again is idempotent; a different id means the directory no longer
    // holds this device (e.g. swept): the state is of a device that is gone.
    const { deviceId } = await this.client.request("auth.keys.registerDevice", {
      signatureKey: b64(device.signaturePublicKey),
      name: this.name,
    });
    if (device.identity.userId !== userId || deviceId !== device.identity.deviceId) return undefined;
    return device;
  }

  private async create(userId: number, sessionId: string): Promise<Device> {
    // A new device: the groups of an old one cannot be read with the new keys.
    await this.store.clear(userId);
    const keyPair = await Device.generateSignatureKeyPair();
    const { deviceId } = await this.client.request("auth.keys.registerDevice", {
      signatureKey: b64(keyPair.publicKey),
      name: this.name,
    });
    const device = await Device.create({ userId, deviceId }, this.deviceOptions, keyPair);
    await this.store.saveDevice(userId, encodeDeviceRecord(sessionId, device));
    return device;
  }

  /** Tops the directory's stock up (persisting the device before each upload). */
  async refill(userId: number, sessionId: string, device: Device): Promise<void> {
    const lowWater = this.opts.lowWater ?? 20;
    const target = Math.min(this.opts.target ?? 60, KEYS_LIMITS.oneTimeStockMax);
    let stock = await this.client.request("auth.keys.stock", {});
    if (stock.oneTime >= lowWater && stock.lastResort) return;
    let wanted = stock.oneTime >= lowWater ? 0 : target - stock.oneTime;
    do {
      const batch = Math.min(wanted, KEYS_LIMITS.uploadMax);
      const packages = await device.createKeyPackages(batch);
      const lastResort = stock.lastResort ? undefined : await device.createLastResortKeyPackage();
      await this.store.saveDevice(userId, encodeDeviceRecord(sessionId, device));
      stock = await this.client.request("auth.keys.uploadKeyPackages", {
        keyPackages: packages.map((p) => b64(p.bytes)),
        ...(lastResort ? { lastResort: b64(lastResort.bytes) } : {}),
      });
      wanted -= batch;
    } while (wanted > 0);
  }

  private get name(): string {
    return this.opts.deviceName ?? "Node SDK";
  }
}

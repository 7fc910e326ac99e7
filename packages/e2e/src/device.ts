import {
  decodeMlsMessage,
  defaultCapabilities,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroup,
  createGroup as mlsCreateGroup,
  type ClientConfig,
  type ExternalSender,
  type Extension,
  type KeyPackage,
  type PrivateKeyPackage,
} from "ts-mls";
import { decodeKeyPackage, encodeKeyPackage, makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { encodeExternalSender } from "ts-mls/externalSender.js";
import { defaultClientConfig } from "ts-mls/clientConfig.js";
import { fromUtf8, packParts, toHex, unpackParts, utf8 } from "./bytes.js";
import { E2eError } from "./errors.js";
import { groupIdFor } from "./group-id.js";
import { externalJoin } from "./external-join.js";
import { Group, type CommitBundle } from "./group.js";
import {
  authenticationService,
  isValidIdentity,
  memberCredential,
  type DeviceCheck,
  type MemberIdentity,
} from "./identity.js";
import { ciphersuite } from "./suite.js";

/** A KeyPackage as it is uploaded to the key directory: its MLSMessage bytes and its ref. */
export interface PublishedKeyPackage {
  /** KeyPackageRef (RFC 9420 section 5.2), hex: how the directory and Welcome name it. */
  readonly ref: string;
  /** The MLSMessage (wire format mls_key_package) bytes. */
  readonly bytes: Uint8Array;
  readonly lastResort: boolean;
}

interface StoredKeyPackage {
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
  lastResort: boolean;
}

export interface DeviceOptions {
  /** Checks each leaf against the key directory (later); the default accepts any member credential. */
  readonly checkDevice?: DeviceCheck;
}

export interface CreateGroupOptions {
  /** The server's external sender (ExternalSenderKey.descriptor()), so it can propose removals. */
  readonly externalSenders?: readonly ExternalSender[];
  /** Bumped when a conversation's MLS group is created anew (docs/E2E.md, "Group ids"). */
  readonly generation?: number;
}

/** KeyPackages are valid for this long; the last-resort one too (it is replaced on refill). */
export const KEY_PACKAGE_LIFETIME_SECONDS = 90 * 24 * 3600;
/**
 * The last_resort KeyPackage extension (0x000A, IANA "MLS Extension Types", from the MLS
 * extensions draft): a KeyPackage the directory may hand out again when the one-time stock is
 * empty. Receivers that do not know it ignore it.
 */
export const LAST_RESORT_EXTENSION = 0x000a;
const STATE_MAGIC = "sealroom-e2e-device:1";

/** An Ed25519 key pair: `signKey` is private and belongs in the device's state only. */
export interface SignatureKeyPair {
  readonly publicKey: Uint8Array;
  readonly signKey: Uint8Array;
}

/**
 * One device of a user: its Ed25519 signature key (the same in all its KeyPackages and leaves),
 * the private halves of the KeyPackages it published, and the factory of its groups.
 *
 * A device is mutable: creating KeyPackages and joining from a Welcome change it; persist
 * `exportState()` after each (docs/E2E.md, "What a device keeps").
 */
export class Device {
  private constructor(
    readonly identity: MemberIdentity,
    readonly signaturePublicKey: Uint8Array,
    private readonly signKey: Uint8Array,
    private readonly keyPackages: Map<string, StoredKeyPackage>,
    private readonly options: DeviceOptions,
  ) {}

  /**
   * A new device, with a fresh Ed25519 key pair or the one given. The key directory assigns the
   * device id when the public key is registered, so a client makes the key pair first
   * (`generateSignatureKeyPair`), registers it, then creates the device with the id it got.
   */
  static async create(
    identity: MemberIdentity,
    options: DeviceOptions = {},
    keyPair?: SignatureKeyPair,
  ): Promise<Device> {
    memberCredential(identity); // validates the ids
    const { publicKey, signKey } = keyPair ?? (await Device.generateSignatureKeyPair());
    return new Device(identity, Uint8Array.from(publicKey), Uint8Array.from(signKey), new Map(), options);
  }

  /** A fresh Ed25519 key pair for `create`; `publicKey` is what the key directory registers. */
  static async generateSignatureKeyPair(): Promise<SignatureKeyPair> {
    const cs = await ciphersuite();
    return cs.signature.keygen();
  }

  /** The ts-mls client configuration: our authentication service, the library's defaults else. */
  get clientConfig(): ClientConfig {
    return { ...defaultClientConfig, authService: authenticationService(this.options.checkDevice) };
  }

  /** `n` one-time KeyPackages to upload to the key directory. */
  async createKeyPackages(n: number): Promise<PublishedKeyPackage[]> {
    const out: PublishedKeyPackage[] = [];
    for (let i = 0; i < n; i++) out.push(await this.newKeyPackage(false));
    return out;
  }

  /** The last-resort KeyPackage: handed out when the one-time stock is empty, kept after use. */
  createLastResortKeyPackage(): Promise<PublishedKeyPackage> {
    return this.newKeyPackage(true);
  }

  /** Refs of the KeyPackages whose private keys this device still holds. */
  keyPackageRefs(): string[] {
    return [...this.keyPackages.keys()];
  }

  private async newKeyPackage(lastResort: boolean): Promise<PublishedKeyPackage> {
    const cs = await ciphersuite();
    const now = BigInt(Math.floor(Date.now() / 1000));
    const capabilities = defaultCapabilities();
    const extensions: Extension[] = [];
    if (lastResort) {
      capabilities.extensions = [...capabilities.extensions, LAST_RESORT_EXTENSION];
      extensions.push({ extensionType: LAST_RESORT_EXTENSION, extensionData: new Uint8Array() });
    }
    const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
      memberCredential(this.identity),
      capabilities,
      { notBefore: now - 3600n, notAfter: now + BigInt(KEY_PACKAGE_LIFETIME_SECONDS) },
      extensions,
      { signKey: this.signKey, publicKey: this.signaturePublicKey },
      cs,
    );
    const ref = toHex(await makeKeyPackageRef(publicPackage, cs.hash));
    this.keyPackages.set(ref, { publicPackage, privatePackage, lastResort });
    const bytes = encodeMlsMessage({
      wireformat: "mls_key_package",
      version: "mls10",
      keyPackage: publicPackage,
    });
    return { ref, bytes, lastResort };
  }

  /** A new MLS group for `conversationId` with this device as its only member (epoch 0). */
  async createGroup(conversationId: string, options: CreateGroupOptions = {}): Promise<Group> {
    const cs = await ciphersuite();
    const groupId = groupIdFor(conversationId, options.generation ?? 0);
    const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
      memberCredential(this.identity),
      defaultCapabilities(),
      { notBefore: 0n, notAfter: 2n ** 63n - 1n },
      [],
      { signKey: this.signKey, publicKey: this.signaturePublicKey },
      cs,
    );
    const extensions: Extension[] = (options.externalSenders ?? []).map((sender) => ({
      extensionType: "external_senders",
      extensionData: encodeExternalSender(sender),
    }));
    const state = await mlsCreateGroup(groupId, publicPackage, privatePackage, extensions, cs, this.clientConfig);
    return Group.fromState(state, this);
  }

  /**
   * Joins the group a Welcome (MLSMessage bytes) invites this device to. The Welcome must carry
   * the ratchet tree (Sealroom's commits always include it). A one-time KeyPackage is used up;
   * the last-resort one is kept.
   */
  async joinFromWelcome(welcomeBytes: Uint8Array): Promise<Group> {
    const cs = await ciphersuite();
    const decoded = decodeMlsMessage(welcomeBytes, 0)?.[0];
    if (decoded?.wireformat !== "mls_welcome") {
      throw new E2eError("invalid_message", "not a Welcome");
    }
    const match = decoded.welcome.secrets.map((s) => toHex(s.newMember)).find((ref) => this.keyPackages.has(ref));
    const stored = match === undefined ? undefined : this.keyPackages.get(match);
    if (match === undefined || stored === undefined) {
      throw new E2eError("no_key_package", "the Welcome is for none of this device's KeyPackages");
    }
    let state;
    try {
      state = await joinGroup(
        decoded.welcome,
        stored.publicPackage,
        stored.privatePackage,
        emptyPskIndex,
        cs,
        undefined,
        undefined,
        this.clientConfig,
      );
    } catch (cause) {
      if (cause instanceof E2eError) throw cause; // check_unavailable: the KeyPackage is kept
      throw new E2eError("invalid_message", "cannot join from this Welcome", { cause });
    }
    if (!stored.lastResort) this.keyPackages.delete(match);
    return Group.fromState(state, this);
  }

  /**
   * Joins a group by itself with an External Commit from its published GroupInfo (MLSMessage
   * bytes, `chat.mls.groupInfo`; external-join.ts). The returned group is in the new epoch; use it
   * only once the Delivery Service accepted `bundle.commit` (sent with `bundle.groupInfo` and no
   * Welcome). A refused one (`STALE_EPOCH`) is dropped: nothing of this device changed.
   * `resync`: the tree held a leaf of this device already, which the commit removes.
   */
  async joinExternal(groupInfo: Uint8Array): Promise<{ group: Group; bundle: CommitBundle; resync: boolean }> {
    const { state, bundle, resync } = await externalJoin(this, groupInfo);
    return { group: Group.fromState(state, this), bundle, resync };
  }

  /**
   * Opens what `sealToKeyPackage` sealed to this device's KeyPackage `ref` (hex). A one-time
   * KeyPackage is used up by it (the directory handed it out once); persist `exportState()` after.
   * Throws E2eError `no_key_package` for a package this device does not hold, `invalid_message`
   * when it does not open.
   */
  async openSealed(
    ref: string,
    enc: Uint8Array,
    ct: Uint8Array,
    info: Uint8Array,
    aad: Uint8Array,
  ): Promise<Uint8Array> {
    const stored = this.keyPackages.get(ref);
    if (stored === undefined) throw new E2eError("no_key_package", "not one of this device's KeyPackages");
    const cs = await ciphersuite();
    let opened;
    try {
      const privateKey = await cs.hpke.importPrivateKey(stored.privatePackage.initPrivateKey);
      opened = await cs.hpke.open(privateKey, enc, ct, info, aad);
    } catch (cause) {
      throw new E2eError("invalid_message", "does not open with this KeyPackage", { cause });
    }
    if (!stored.lastResort) this.keyPackages.delete(ref);
    return opened;
  }

  /** Signs with the device key (used by Group for nothing else than MLS itself). */
  get signaturePrivateKey(): Uint8Array {
    return this.signKey;
  }

  /** The device's persistent state (identity, signature key pair, unused KeyPackages). */
  exportState(): Uint8Array {
    const parts: Uint8Array[] = [
      utf8(STATE_MAGIC),
      utf8(JSON.stringify(this.identity)),
      this.signaturePublicKey,
      this.signKey,
    ];
    for (const kp of this.keyPackages.values()) {
      parts.push(
        packParts([
          encodeKeyPackage(kp.publicPackage),
          kp.privatePackage.initPrivateKey,
          kp.privatePackage.hpkePrivateKey,
          new Uint8Array([kp.lastResort ? 1 : 0]),
        ]),
      );
    }
    return packParts(parts);
  }

  static async importState(bytes: Uint8Array, options: DeviceOptions = {}): Promise<Device> {
    const cs = await ciphersuite();
    try {
      const [magic, identity, publicKey, signKey, ...kps] = unpackParts(bytes);
      if (magic === undefined || fromUtf8(magic) !== STATE_MAGIC) throw new Error("magic");
      if (identity === undefined || publicKey === undefined || signKey === undefined) {
        throw new Error("truncated");
      }
      const id = parseStoredIdentity(JSON.parse(fromUtf8(identity)));
      const map = new Map<string, StoredKeyPackage>();
      for (const kp of kps) {
        const [pub, init, hpke, flag] = unpackParts(kp);
        const publicPackage = pub && decodeKeyPackage(pub, 0)?.[0];
        if (!publicPackage || !init || !hpke || !flag) throw new Error("key package");
        const ref = toHex(await makeKeyPackageRef(publicPackage, cs.hash));
        map.set(ref, {
          publicPackage,
          privatePackage: { initPrivateKey: init, hpkePrivateKey: hpke, signaturePrivateKey: signKey },
          lastResort: flag[0] === 1,
        });
      }
      return new Device({ userId: id.userId, deviceId: id.deviceId }, publicKey, signKey, map, options);
    } catch (cause) {
      throw new E2eError("invalid_state", "not a device state", { cause });
    }
  }
}

/** A stored state's identity: read back from storage, so checked like any other input. */
function parseStoredIdentity(value: unknown): MemberIdentity {
  if (typeof value !== "object" || value === null) throw new Error("identity");
  const { userId, deviceId } = value as Record<string, unknown>;
  if (typeof userId !== "number" || typeof deviceId !== "string") throw new Error("identity");
  const id = { userId, deviceId };
  if (!isValidIdentity(id)) throw new Error("identity");
  return id;
}

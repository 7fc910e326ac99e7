// The IETF MLS test vectors (mlswg/mls-implementations, test-vectors/), the ciphersuite 0x0001
// entries, run through ts-mls's own functions: an upgrade of ts-mls that breaks RFC 9420's key
// derivation, hashing, signing, HPKE or key schedule fails here. src/test/vectors/README.md says
// where the files come from. These call ts-mls's internal modules (ts-mls/*.js); if an upgrade
// moves them, this test fails to compile: adjust the import, never drop the check.
import { describe, expect, it } from "vitest";
import { decodeGroupContext, encodeGroupContext } from "ts-mls/groupContext.js";
import { deriveSecret, deriveTreeSecret, expandWithLabel } from "ts-mls/crypto/kdf.js";
import { refhash } from "ts-mls/crypto/hash.js";
import { verifyWithLabel } from "ts-mls/crypto/signature.js";
import { decryptWithLabel } from "ts-mls/crypto/hpke.js";
import { initializeEpoch } from "ts-mls/keySchedule.js";
import { fromHex, toHex, utf8 } from "./bytes.js";
import { CIPHERSUITE_ID, ciphersuite } from "./suite.js";
import cryptoBasics from "./test/vectors/crypto-basics-cs1.json" with { type: "json" };
import keySchedule from "./test/vectors/key-schedule-cs1.json" with { type: "json" };

const hex = (s: string) => fromHex(s);
const same = (a: Uint8Array, b: string) => expect(toHex(a)).toBe(b.toLowerCase());
/**
 * The stored crypto-basics file gives sign and encrypt keys as TLS opaque<V> values (a one-byte
 * length 0x20, then 32 bytes); the key itself is what follows the length.
 */
function rawKey(s: string): Uint8Array {
  const b = hex(s);
  return b.length === 33 && b[0] === 32 ? b.slice(1) : b;
}

describe("RFC 9420 test vectors (ciphersuite 0x0001) through ts-mls", () => {
  const v = cryptoBasics.find((c) => c.cipher_suite === CIPHERSUITE_ID)!;

  it("crypto-basics: ExpandWithLabel, DeriveSecret, DeriveTreeSecret, RefHash", async () => {
    const cs = await ciphersuite();
    const e = v.expand_with_label;
    same(await expandWithLabel(hex(e.secret), e.label, hex(e.context), e.length, cs.kdf), e.out);
    const d = v.derive_secret;
    same(await deriveSecret(hex(d.secret), d.label, cs.kdf), d.out);
    const t = v.derive_tree_secret;
    same(await deriveTreeSecret(hex(t.secret), t.label, t.generation, t.length, cs.kdf), t.out);
    const r = v.ref_hash;
    same(await refhash(r.label, hex(r.value), cs.hash), r.out);
  });

  it("crypto-basics: SignWithLabel verifies, and fails for other content", async () => {
    const cs = await ciphersuite();
    const s = v.sign_with_label;
    const pub = rawKey(s.pub);
    expect(await verifyWithLabel(pub, s.label, hex(s.content), hex(s.signature), cs.signature)).toBe(true);
    expect(await verifyWithLabel(pub, s.label, utf8("other"), hex(s.signature), cs.signature)).toBe(false);
  });

  it("crypto-basics: EncryptWithLabel's ciphertext decrypts to the plaintext", async () => {
    const cs = await ciphersuite();
    const x = v.encrypt_with_label;
    const priv = await cs.hpke.importPrivateKey(rawKey(x.priv));
    const plain = await decryptWithLabel(priv, x.label, hex(x.context), hex(x.kem_output), hex(x.ciphertext), cs.hpke);
    same(plain, x.plaintext);
  });

  it("key-schedule: every epoch's group context and secrets", async () => {
    const cs = await ciphersuite();
    for (const suite of keySchedule.filter((k) => k.cipher_suite === CIPHERSUITE_ID)) {
      let initSecret = hex(suite.initial_init_secret);
      for (const [i, ep] of suite.epochs.entries()) {
        const context = decodeGroupContext(hex(ep.group_context), 0)?.[0];
        expect(context, `epoch ${i} group context`).toBeDefined();
        same(encodeGroupContext(context!), ep.group_context);
        same(context!.groupId, suite.group_id);
        same(context!.treeHash, ep.tree_hash);
        same(context!.confirmedTranscriptHash, ep.confirmed_transcript_hash);
        const secrets = await initializeEpoch(initSecret, hex(ep.commit_secret), context!, hex(ep.psk_secret), cs.kdf);
        same(secrets.joinerSecret, ep.joiner_secret);
        same(secrets.welcomeSecret, ep.welcome_secret);
        same(secrets.encryptionSecret, ep.encryption_secret);
        const ks = secrets.keySchedule;
        same(ks.initSecret, ep.init_secret);
        same(ks.senderDataSecret, ep.sender_data_secret);
        same(ks.exporterSecret, ep.exporter_secret);
        same(ks.epochAuthenticator, ep.epoch_authenticator);
        same(ks.externalSecret, ep.external_secret);
        same(ks.confirmationKey, ep.confirmation_key);
        same(ks.membershipKey, ep.membership_key);
        same(ks.resumptionPsk, ep.resumption_psk);
        initSecret = ks.initSecret;
      }
    }
  });
});

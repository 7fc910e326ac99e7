#!/usr/bin/env python3
"""Independent check of the Sealroom session test vectors in docs/PROTOCOL.md.

An implementation of the handshake (resumption included), key schedule and record layer (PROTOCOL.md sections 4 to 6)
written from the document alone, in Python, sharing no code with packages/proto. It reads every
vector value from the document (the `id` + hex blocks and tables of section 18), rebuilds every frame,
secret, key, MAC and record from the inputs, and compares.

    python3 docs/tools/verify_vectors.py [path/to/PROTOCOL.md]

Needs the `cryptography` package (Debian: apt-get install python3-cryptography). HKDF and HMAC come
from the standard library. Exit status 0 when every check passes. Not used by CI.
"""
import hashlib
import hmac
import re
import sys
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = 0x01
SERVER_KEY, CLIENT_HELLO, SERVER_HELLO, RESUME_HELLO = 0x01, 0x02, 0x03, 0x04
FINISHED, DATA, KEY_UPDATE = 0x10, 0x11, 0x12
EPH_LEN = {0x01: 32, 0x02: 65}


def load_values(path):
    """Every `id` -> bytes (hex blocks and table cells) or str (json blocks) from section 18."""
    text = Path(path).read_text(encoding="utf-8")
    values = {}
    for m in re.finditer(r"^\| `([a-z0-9_.]+)` \| .*? \| `([0-9a-f]+)` \|$", text, re.M):
        values[m.group(1)] = bytes.fromhex(m.group(2))
    for m in re.finditer(r"^`([a-z0-9_.]+)`: [^\n]*\n\n```(json)?\n(.*?)\n```", text, re.M | re.S):
        ident, is_json, body = m.groups()
        values[ident] = body if is_json else bytes.fromhex("".join(body.split()))
    return values


def u16(n):
    return n.to_bytes(2, "big")


def hkdf(ikm, salt, info, length):
    """RFC 5869 HKDF-SHA256: Extract then Expand."""
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def derive(secret, label, length):
    return hkdf(secret, b"", b"sealroom/v1 " + label.encode("ascii"), length)


def nonce(iv, seq):
    return bytes(a ^ b for a, b in zip(iv, bytes(4) + seq.to_bytes(8, "big")))


def seal(key, iv, rtype, seq, plaintext):
    header = bytes([VERSION, rtype]) + seq.to_bytes(8, "big")
    return header + AESGCM(key).encrypt(nonce(iv, seq), plaintext, header)


def open_record(key, iv, expected_seq, record):
    """(type, plaintext), or an error string where a receiver would close with 4002."""
    if len(record) < 26 or record[0] != VERSION or record[1] not in (FINISHED, DATA, KEY_UPDATE):
        return "malformed record"
    seq = int.from_bytes(record[2:10], "big")
    if seq != expected_seq:
        return f"seq {seq} != {expected_seq}"
    try:
        return record[1], AESGCM(key).decrypt(nonce(iv, seq), record[10:], record[:10])
    except InvalidTag:
        return "tag mismatch"


def decode_client_hello(frame):
    """Strict decoder following the offset table of section 4.3."""
    assert frame[0] == VERSION and frame[1] == CLIENT_HELLO and frame[2] in EPH_LEN
    e = int.from_bytes(frame[67:69], "big")
    assert e == EPH_LEN[frame[2]]
    n = int.from_bytes(frame[69 + e:71 + e], "big")
    assert 256 <= n <= 512 and len(frame) == 71 + e + n
    return {"suite": frame[2], "random": frame[3:35], "key_id": frame[35:67],
            "eph": frame[69:69 + e], "enc": frame[71 + e:]}


def raw_public(priv, suite):
    pub = priv.public_key()
    if suite == 0x01:
        return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def ecdh(priv, peer, suite):
    if suite == 0x01:
        secret = priv.exchange(x25519.X25519PublicKey.from_public_bytes(peer))
    else:
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), peer)
        secret = priv.exchange(ec.ECDH(), point)  # the x-coordinate, 32 bytes
    assert any(secret), "all-zero shared secret"
    return secret


class Checker:
    def __init__(self):
        self.passed = self.failed = 0

    def eq(self, name, got, want):
        if got == want:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {name}\n  got  {got.hex() if isinstance(got, bytes) else got}\n"
                  f"  want {want.hex() if isinstance(want, bytes) else want}")


def run_case(ck, v, name, fallback):
    def get(k):
        return v.get(f"{name}.{k}", v.get(f"{fallback}.{k}"))

    suite = get("suite")[0]
    spki = v["rsa.spki"]
    rsa = serialization.load_der_private_key(v["rsa.pkcs8"], password=None)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)

    # 4.2 ServerKey
    key_id = hashlib.sha256(spki).digest()
    server_key = bytes([VERSION, SERVER_KEY]) + u16(len(spki)) + spki
    ck.eq(f"{name} server_key", server_key, get("server_key"))

    # ephemeral keys
    c_priv = serialization.load_der_private_key(get("c_eph_pkcs8"), password=None)
    s_priv = serialization.load_der_private_key(get("s_eph_pkcs8"), password=None)
    ck.eq(f"{name} c_eph from its private key", raw_public(c_priv, suite), get("c_eph"))
    ck.eq(f"{name} s_eph from its private key", raw_public(s_priv, suite), get("s_eph"))

    # 4.3 ClientHello (enc is given: OAEP is randomized), and the server's view of it
    enc, k_rsa = get("enc"), get("k_rsa")
    client_hello = (bytes([VERSION, CLIENT_HELLO, suite]) + get("c_random") + key_id
                    + u16(len(get("c_eph"))) + get("c_eph") + u16(len(enc)) + enc)
    ck.eq(f"{name} client_hello", client_hello, get("client_hello"))
    hello = decode_client_hello(get("client_hello"))
    ck.eq(f"{name} client_hello key_id", hello["key_id"], key_id)
    ck.eq(f"{name} RSA-OAEP-SHA256 decrypt(enc) = k_rsa", rsa.decrypt(hello["enc"], oaep), k_rsa)
    # a fresh encryption of k_rsa must decrypt too (RSA-OAEP parameters agree)
    ck.eq(f"{name} RSA-OAEP round trip", rsa.decrypt(rsa.public_key().encrypt(k_rsa, oaep), oaep), k_rsa)

    # 4.4 ServerHello
    server_hello = (bytes([VERSION, SERVER_HELLO, suite]) + get("s_random")
                    + u16(len(get("s_eph"))) + get("s_eph"))
    ck.eq(f"{name} server_hello", server_hello, get("server_hello"))

    # 4.6 shared secret, both sides
    secret_c = ecdh(c_priv, get("s_eph"), suite)
    secret_s = ecdh(s_priv, hello["eph"], suite)
    ck.eq(f"{name} ecdh (client side)", secret_c, get("ecdh"))
    ck.eq(f"{name} ecdh (server side)", secret_s, get("ecdh"))

    # 5 key schedule
    ikm = k_rsa + secret_c
    th = hashlib.sha256(server_key + client_hello + server_hello).digest()
    master = hkdf(ikm, th, b"sealroom/v1 master", 32)
    c2s, s2c = derive(master, "c2s", 32), derive(master, "s2c", 32)
    fin_c, fin_s = derive(master, "finished c", 32), derive(master, "finished s", 32)
    for k, got in [("ikm", ikm), ("th", th), ("master", master), ("c2s", c2s), ("s2c", s2c),
                   ("fin_c", fin_c), ("fin_s", fin_s)]:
        ck.eq(f"{name} {k}", got, get(k))
    c_key, c_iv = derive(c2s, "key", 32), derive(c2s, "iv", 12)
    s_key, s_iv = derive(s2c, "key", 32), derive(s2c, "iv", 12)
    for k, got in [("c2s_key", c_key), ("c2s_iv", c_iv), ("c2s_nonce1", nonce(c_iv, 1)),
                   ("s2c_key", s_key), ("s2c_iv", s_iv), ("s2c_nonce1", nonce(s_iv, 1))]:
        ck.eq(f"{name} {k}", got, get(k))

    # 4.5 Finished, 6 records
    mac_s = hmac.new(fin_s, th, hashlib.sha256).digest()
    mac_c = hmac.new(fin_c, th, hashlib.sha256).digest()
    ck.eq(f"{name} server_finished_mac", mac_s, get("server_finished_mac"))
    ck.eq(f"{name} client_finished_mac", mac_c, get("client_finished_mac"))
    ck.eq(f"{name} server_finished", seal(s_key, s_iv, FINISHED, 0, mac_s), get("server_finished"))
    ck.eq(f"{name} client_finished", seal(c_key, c_iv, FINISHED, 0, mac_c), get("client_finished"))
    cdata, sdata = get("client_data").encode("utf-8"), get("server_data").encode("utf-8")
    ck.eq(f"{name} client_data_record", seal(c_key, c_iv, DATA, 1, cdata), get("client_data_record"))
    ck.eq(f"{name} server_data_record", seal(s_key, s_iv, DATA, 1, sdata), get("server_data_record"))
    ck.eq(f"{name} open(server_finished)", open_record(s_key, s_iv, 0, get("server_finished")), (FINISHED, mac_s))
    ck.eq(f"{name} open(client_data_record)", open_record(c_key, c_iv, 1, get("client_data_record")), (DATA, cdata))

    # 6.4 key update: KEY_UPDATE at seq 2 under the old key, then seq 0 under the next key
    ck.eq(f"{name} key_update_record", seal(c_key, c_iv, KEY_UPDATE, 2, b""), get("key_update_record"))
    c2s_1 = derive(c2s, "update", 32)
    k1, iv1 = derive(c2s_1, "key", 32), derive(c2s_1, "iv", 12)
    ck.eq(f"{name} c2s_1", c2s_1, get("c2s_1"))
    ck.eq(f"{name} c2s_1_key", k1, get("c2s_1_key"))
    ck.eq(f"{name} c2s_1_iv", iv1, get("c2s_1_iv"))
    ck.eq(f"{name} ku_data_record", seal(k1, iv1, DATA, 0, get("ku_data").encode("utf-8")), get("ku_data_record"))


def run_resumption(ck, v):
    """Case 3 (section 18.4): the ticket, the ResumeHello and binder, the resumed key schedule (4.8, 5)."""
    def get(k):
        return v[f"resume.{k}"]

    suite = 0x01
    spki = v["rsa.spki"]
    key_id = hashlib.sha256(spki).digest()
    server_key = bytes([VERSION, SERVER_KEY]) + u16(len(spki)) + spki

    # the ticket the first session's gateway issued
    resumption = derive(v["x25519.master"], "resumption", 32)
    ck.eq("resume.resumption", resumption, get("resumption"))
    ticket_key = hkdf(v["rsa.pkcs8"], get("period"), b"sealroom/v1 ticket key", 32)
    ck.eq("resume.ticket_key", ticket_key, get("ticket_key"))
    period = int.from_bytes(get("issued_at"), "big") // 86400000
    ck.eq("resume.period = floor(issued_at / rotation)", period.to_bytes(8, "big"), get("period"))
    plaintext = bytes([1, suite]) + get("issued_at") + get("expires_at") + resumption
    ck.eq("resume.ticket_plaintext", plaintext, get("ticket_plaintext"))
    ticket = get("ticket_nonce") + AESGCM(ticket_key).encrypt(get("ticket_nonce"), plaintext, b"sealroom/v1 ticket")
    ck.eq("resume.ticket", ticket, get("ticket"))
    opened = AESGCM(ticket_key).decrypt(ticket[:12], ticket[12:], b"sealroom/v1 ticket")
    ck.eq("resume.ticket opens to its plaintext", opened, plaintext)

    # ResumeHello with a fresh ephemeral key (here case 1's) and the binder
    c_priv = serialization.load_der_private_key(v["x25519.c_eph_pkcs8"], password=None)
    s_priv = serialization.load_der_private_key(v["x25519.s_eph_pkcs8"], password=None)
    c_eph, s_eph = raw_public(c_priv, suite), raw_public(s_priv, suite)
    prefix = (bytes([VERSION, RESUME_HELLO, suite]) + get("c_random") + key_id
              + u16(len(c_eph)) + c_eph + u16(len(ticket)) + ticket)
    binder_key = derive(resumption, "binder", 32)
    binder = hmac.new(binder_key, hashlib.sha256(server_key + prefix).digest(), hashlib.sha256).digest()
    ck.eq("resume.binder_key", binder_key, get("binder_key"))
    ck.eq("resume.binder", binder, get("binder"))
    resume_hello = prefix + binder
    ck.eq("resume.resume_hello", resume_hello, get("resume_hello"))

    server_hello = bytes([VERSION, SERVER_HELLO, suite]) + get("s_random") + u16(len(s_eph)) + s_eph
    ck.eq("resume.server_hello", server_hello, get("server_hello"))

    secret = ecdh(c_priv, s_eph, suite)
    ck.eq("resume ecdh (server side)", ecdh(s_priv, c_eph, suite), secret)
    th = hashlib.sha256(server_key + resume_hello + server_hello).digest()
    master = hkdf(resumption + secret, th, b"sealroom/v1 resumed master", 32)
    c2s, s2c = derive(master, "c2s", 32), derive(master, "s2c", 32)
    fin_c, fin_s = derive(master, "finished c", 32), derive(master, "finished s", 32)
    for k, got in [("th", th), ("master", master), ("c2s", c2s), ("s2c", s2c), ("fin_c", fin_c),
                   ("fin_s", fin_s), ("next_resumption", derive(master, "resumption", 32))]:
        ck.eq(f"resume.{k}", got, get(k))
    c_key, c_iv = derive(c2s, "key", 32), derive(c2s, "iv", 12)
    s_key, s_iv = derive(s2c, "key", 32), derive(s2c, "iv", 12)
    mac_s = hmac.new(fin_s, th, hashlib.sha256).digest()
    mac_c = hmac.new(fin_c, th, hashlib.sha256).digest()
    ck.eq("resume.server_finished", seal(s_key, s_iv, FINISHED, 0, mac_s), get("server_finished"))
    ck.eq("resume.client_finished", seal(c_key, c_iv, FINISHED, 0, mac_c), get("client_finished"))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "PROTOCOL.md"
    v = load_values(path)
    ck = Checker()
    key_id = hashlib.sha256(v["rsa.spki"]).digest()
    ck.eq("rsa.key_id", key_id, v["rsa.key_id"])
    rsa = serialization.load_der_private_key(v["rsa.pkcs8"], password=None)
    spki = rsa.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ck.eq("rsa.spki from rsa.pkcs8", spki, v["rsa.spki"])
    fingerprint = ":".join(key_id.hex()[i:i + 4] for i in range(0, 64, 4))
    ck.eq("fingerprint format", fingerprint in Path(path).read_text(encoding="utf-8"), True)
    run_case(ck, v, "x25519", "x25519")
    run_case(ck, v, "p256", "x25519")
    run_resumption(ck, v)
    print(f"{ck.passed} checks passed, {ck.failed} failed ({len(v)} values read from {path})")
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())

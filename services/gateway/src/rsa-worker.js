// @ts-check
/**
 * A thread of the RSA pool (rsa-pool.ts): RSA-OAEP-SHA256 decryptions with the gateway's private
 * key, off the event loop. JavaScript because a worker thread starts from a file and Node 20 cannot
 * run a .ts one (the tests run the sources); it needs nothing but node:crypto.
 */
import { constants, createPrivateKey, privateDecrypt } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

/** @typedef {import("./rsa-pool.js").RsaWorkerData} RsaWorkerData */
/** @typedef {import("./rsa-pool.js").RsaRequest} RsaRequest */
/** @typedef {import("./rsa-pool.js").RsaReply} RsaReply */

const port = parentPort;
if (!port) throw new Error("rsa-worker.js runs only as a worker thread");
const data = /** @type {RsaWorkerData} */ (workerData);
const key = createPrivateKey(data.privatePem);

port.on("message", (/** @type {RsaRequest} */ m) => {
  /** @type {RsaReply} */
  let reply;
  try {
    const out = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, m.ciphertext);
    reply = { id: m.id, plaintext: new Uint8Array(out) };
  } catch {
    // What failed is the client's ciphertext; the handshake answers it as the inline decrypt would.
    reply = { id: m.id };
  }
  port.postMessage(reply);
});

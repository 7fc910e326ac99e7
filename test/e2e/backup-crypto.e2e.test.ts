/**
 * The history backup's cryptography (packages/sdk/src/backup) in Debian's chromium: WebCrypto's
 * AES-GCM, HKDF, HMAC and ECDH P-256 as the SDK uses them, and argon2id (hash-wasm, WebAssembly)
 * under a page CSP like the gateway's: refused with `script-src 'self'` alone, working once it
 * allows 'wasm-unsafe-eval' (docs/E2E.md section 12).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { build } from "rolldown";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Page } from "playwright-core";
import type * as approvalCryptoModule from "../../packages/sdk/src/backup/approval-crypto.js";
import type * as backupCryptoModule from "../../packages/sdk/src/backup/crypto.js";
import { Browsers, CHROMIUM, root } from "./support/browsers.js";

const browsers = new Browsers(/WebAssembly|wasm-unsafe-eval|Content Security Policy/);
let server: http.Server;
let origin: string;

beforeAll(async () => {
  if (!(await import("node:fs")).existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const bundle = await build({
    input: path.join(root, "test/e2e/support/backup-crypto-entry.ts"),
    platform: "browser",
    write: false,
    logLevel: "warn",
    resolve: { conditionNames: ["source", "import", "default"] },
    output: { format: "iife", codeSplitting: false },
  });
  const js = bundle.output[0].code;
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/crypto.js") return res.writeHead(200, { "content-type": "text/javascript" }).end(js);
    const wasm = url.searchParams.get("wasm") === "1" ? " 'wasm-unsafe-eval'" : "";
    res
      .writeHead(200, {
        "content-type": "text/html",
        "content-security-policy": `default-src 'self'; script-src 'self'${wasm}; connect-src 'self'`,
      })
      .end('<!doctype html><title>backup</title><script src="/crypto.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 120_000);

afterAll(async () => {
  await browsers.closeAll();
  await new Promise((resolve) => server.close(resolve));
});

type Crypto = typeof backupCryptoModule & typeof approvalCryptoModule;
declare global {
  var backupCrypto: Crypto;
}

const inPage = <T>(page: Page, fn: (c: Crypto) => Promise<T>) =>
  page.evaluate(`(${fn.toString()})(globalThis.backupCrypto)`) as Promise<T>;

test("entries, the key check and the approval secrets work with WebCrypto in the browser", async () => {
  const { page } = await browsers.open();
  await page.goto(origin);
  const result = await inPage(page, async (c) => {
    const key = c.newBackupKey();
    const place = { userId: 7, conversationId: "dm:7:9", seq: 3, keyVersion: 1 };
    const sealed = await c.sealEntry(key, place, new TextEncoder().encode("hello"));
    const opened = await c.openEntry(key, place, sealed);
    const moved = await c.openEntry(key, { ...place, seq: 4 }, sealed);
    const n = await c.newApprovalKeyPair();
    const o = await c.newApprovalKeyPair();
    const codeN = (await c.approvalSecrets({ requestId: "r", own: n, peerPublicKey: o.publicKey, role: "new" })).code;
    const codeO = (await c.approvalSecrets({ requestId: "r", own: o, peerPublicKey: n.publicKey, role: "old" })).code;
    return {
      opened: opened && new TextDecoder().decode(opened),
      moved: moved === undefined,
      check: (await c.keyCheck(key)).length,
      codes: codeN === codeO && /^\d{3} \d{3}$/.test(codeN),
    };
  });
  expect(result).toEqual({ opened: "hello", moved: true, check: 43, codes: true });
  expect(browsers.pageErrors).toEqual([]);
});

test("argon2id needs 'wasm-unsafe-eval': refused under script-src 'self' alone, a round trip with it", async () => {
  const { page } = await browsers.open();
  await page.goto(origin);
  const refused = await inPage(page, (c) =>
    c.wrapWithPassphrase(c.newBackupKey(), 1, "a long passphrase").then(
      () => "wrapped",
      (e: unknown) => String(e),
    ),
  );
  expect(refused).toMatch(/WebAssembly|wasm/i);

  await page.goto(`${origin}?wasm=1`);
  const roundTrip = await inPage(page, async (c) => {
    const key = c.newBackupKey();
    const wrap = await c.wrapWithPassphrase(key, 2, "a long passphrase");
    const back = await c.unwrapWithPassphrase(wrap, 2, "a long passphrase");
    const wrong = await c.unwrapWithPassphrase(wrap, 2, "a wrong passphrase");
    return { same: back !== undefined && back.every((b, i) => b === key[i]), wrong: wrong === undefined };
  });
  expect(roundTrip).toEqual({ same: true, wrong: true });
});

/**
 * What the gateway's public port shows to anyone who can reach it: the web app, /healthz and
 * /server-key, and nothing meant for operators or developers (found by the outside review).
 * Serves the real built web app (apps/web/dist: `npm test` builds first).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startNats, type NatsServer } from "@sealroom/testkit";
import { startGateway, testServerKey, type TestGateway } from "./test/harness.js";

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../apps/web/dist");
let nats: NatsServer;
let gw: TestGateway;
let base: string;

beforeAll(async () => {
  if (!existsSync(path.join(webDir, "index.html"))) throw new Error(`${webDir} is not built: run npm run build`);
  nats = await startNats();
  gw = await startGateway(nats.url, {}, testServerKey(), webDir);
  base = `http://127.0.0.1:${gw.gateway.port}`;
});
afterAll(async () => {
  await gw?.stop();
  await nats?.stop();
});

describe("the gateway's public port", () => {
  test("/metrics is not served there (it is on the ops port, HTTP_PORT)", async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toMatch(/sealroom_/);
  });

  test("HEAD /healthz answers like GET /healthz, not with the web page", async () => {
    const res = await fetch(`${base}/healthz`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain");
    const key = await fetch(`${base}/server-key`, { method: "HEAD" });
    expect(key.headers.get("content-type")).toBe("application/json");
  });

  test("the web app is served without its source map", async () => {
    const html = await (await fetch(base)).text();
    const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const js = await (await fetch(`${base}${src}`)).text();
      expect(js.includes("sourceMappingURL"), src).toBe(false);
      const map = await fetch(`${base}${src}.map`);
      expect(map.status).toBe(404);
      expect(await map.text()).not.toMatch(/"sources"/);
    }
    expect(readFileSync(path.join(webDir, "index.html"), "utf8")).not.toMatch(/\.map"/);
  });

  test("the installable app: the worker and the manifest with their types, revalidated on every load; the CSP allows both", async () => {
    const sw = await fetch(`${base}/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get("content-type")).toMatch(/^text\/javascript/);
    // A cached sw.js would keep an old deploy's worker (and its precached shell) past the update.
    expect(sw.headers.get("cache-control")).toBe("no-cache");
    expect(await sw.text()).toMatch(/precache/i);
    const manifest = await fetch(`${base}/manifest.webmanifest`);
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get("content-type")).toBe("application/manifest+json");
    expect(manifest.headers.get("cache-control")).toBe("no-cache");
    const csp = sw.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/(^|; )worker-src 'self'(;|$)/);
    expect(csp).toMatch(/(^|; )manifest-src 'self'(;|$)/);
    // WebAssembly (argon2id for the recovery passphrase) but no eval, no inline script.
    expect(csp).toMatch(/(^|; )script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    // Attachments decrypted on the device: images and videos from object URLs, thumbnails as data: images.
    expect(csp).toMatch(/(^|; )img-src 'self' data: blob:(;|$)/);
    expect(csp).toMatch(/(^|; )media-src 'self' blob:(;|$)/);
    const html = await (await fetch(base)).text();
    expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest">');
    expect(html).toMatch(/<link rel="apple-touch-icon" href="\/apple-touch-icon-180x180\.png">/);
    const icon = await fetch(`${base}/pwa-512x512.png`);
    expect(icon.headers.get("content-type")).toBe("image/png");
  });
});

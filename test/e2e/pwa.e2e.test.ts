/**
 * The installable app in Debian's chromium against the real stack: the web app manifest parses and
 * its icons are there (and chromium itself finds the app installable); the service worker precaches
 * the app shell and nothing else; and with the browser offline a reload still opens the app, which
 * says the device is offline, and reconnects to the saved session once the network is back; a new
 * deploy's worker waits, the app offers to reload into it, and until then the old version runs.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { z } from "zod";
import { createGateway } from "@sealroom/gateway";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";
import { connectNats } from "@sealroom/runtime";
import { log, startStack, type Stack } from "../support/stack.js";
import { Browsers, requireBrowserAndApp, shots, webDir } from "./support/browsers.js";
import { registerInBrowser, upToDate } from "./support/flows.js";

const password = "correct horse battery staple";
// Offline, the page's /server-key fetch and its WebSocket fail: the browser logs both, the app does not.
const browsers = new Browsers(
  /WebSocket connection to .* failed|Failed to load resource: net::ERR_INTERNET_DISCONNECTED/,
);
let stack: Stack;
let url: string;

const Icon = z.object({
  src: z.string(),
  sizes: z.string(),
  type: z.string(),
  purpose: z.string().optional(),
});
const Manifest = z.object({
  name: z.literal("Sealroom"),
  short_name: z.literal("Sealroom"),
  start_url: z.literal("/"),
  scope: z.literal("/"),
  display: z.literal("standalone"),
  theme_color: z.string().regex(/^#[0-9a-f]{6}$/i),
  background_color: z.string().regex(/^#[0-9a-f]{6}$/i),
  icons: z.array(Icon).min(1),
});

beforeAll(async () => {
  requireBrowserAndApp();
  stack = await startStack({ webDir });
  url = stack.httpUrl;
});

afterAll(async () => {
  await browsers.closeAll();
  await stack?.stop();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

test("the manifest parses, every icon it and index.html name is served at its size, and chromium finds the app installable", async () => {
  const html = await (await fetch(url)).text();
  const href = /<link rel="manifest" href="([^"]+)">/.exec(html)?.[1];
  expect(href).toBe("/manifest.webmanifest");
  const manifest = Manifest.parse(await (await fetch(new URL(href!, url))).json());
  const purposes = manifest.icons.map((i) => `${i.sizes} ${i.type} ${i.purpose ?? "any"}`);
  expect(purposes).toEqual(
    expect.arrayContaining([
      "192x192 image/png any",
      "512x512 image/png any",
      "512x512 image/png maskable",
      "any image/svg+xml any",
    ]),
  );
  const apple = /<link rel="apple-touch-icon" href="([^"]+)">/.exec(html)?.[1];
  expect(apple).toBeDefined();
  for (const icon of [...manifest.icons, { src: apple!, sizes: "180x180", type: "image/png" }]) {
    const res = await fetch(new URL(icon.src, url));
    expect(res.status, icon.src).toBe(200);
    expect(res.headers.get("content-type"), icon.src).toBe(icon.type);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (icon.type === "image/png") expect(pngSize(bytes).join("x"), icon.src).toBe(icon.sizes);
    else expect(bytes.toString("utf8"), icon.src).toMatch(/^<svg /);
  }

  // Chromium's own verdict on the manifest and on installing the app: in a profile on disk, as an
  // off-the-record context (the shared chromium's) is never installable ("in-incognito").
  const { ctx, page } = await browsers.open({ profile: true });
  await page.goto(url);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  const cdp = await ctx.newCDPSession(page);
  const { errors } = (await cdp.send("Page.getAppManifest")) as { errors: unknown[] };
  expect(errors).toEqual([]);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  expect(installabilityErrors).toEqual([]);
  expect(browsers.pageErrors).toEqual([]);
});

test("offline, a reload opens the cached app shell and says the device is offline; back online, the session resumes", async () => {
  await browsers.withFailureShots("pwa", shot, async () => {
    const username = `pwa_${process.pid % 10_000}`;
    const { ctx, page } = await browsers.open();
    await registerInBrowser(page, url, username, password);
    await upToDate(page);

    // The worker installs on the first visit and controls the page from the next load on.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await page.getByTestId("username").filter({ hasText: username }).waitFor();
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${url}/sw.js`);

    // The cache holds the build's files only: nothing the server answers per user, no /server-key.
    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys())
        for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
      return urls;
    });
    expect(cached).toContain("/index.html");
    expect(cached.some((p) => p.startsWith("/assets/index-") && p.endsWith(".js"))).toBe(true);
    for (const p of cached) expect(() => readFileSync(path.join(webDir, p)), p).not.toThrow();

    await ctx.setOffline(true);
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Restoring your session" }).waitFor();
    await page.getByText("This device is offline. Sealroom reconnects when the network is back.").waitFor();
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    // What is the server's stays the server's: no cached /server-key answer.
    expect(
      await page.evaluate(() =>
        fetch("/server-key").then(
          () => "answered",
          () => "failed",
        ),
      ),
    ).toBe("failed");
    await shot(page, "pwa-offline");

    await ctx.setOffline(false);
    // The client may reconnect by itself before the button can be pressed (it then goes away).
    const retry = page.getByRole("button", { name: "Retry now" });
    if (await retry.isVisible()) await retry.click({ timeout: 5_000 }).catch(() => undefined);
    await page.getByTestId("username").filter({ hasText: username }).waitFor({ timeout: 60_000 });
    await upToDate(page);
    expect(browsers.pageErrors).toEqual([]);
  });
}, 120_000);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("a new deploy: its worker waits, the old version keeps running, and Reload switches to the new one", async () => {
  // A copy of the build that the test redeploys: a gateway of its own on a fixed port (same origin).
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-web-"));
  cpSync(webDir, dir, { recursive: true });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const serverKey = nodeServerKey(generateServerKeyPem(2048));
  const nc = await connectNats({ url: stack.nats.url, name: "gateway-pwa", log });
  const serve = async () => {
    const gateway = createGateway({ nc, log, serverKey, host: "127.0.0.1", port, webDir: dir, gatewayId: "gw-pwa" });
    await gateway.start();
    return gateway;
  };
  let gateway = await serve();
  try {
    await browsers.withFailureShots("pwa-update", shot, async () => {
      const { page } = await browsers.open();
      await page.goto(origin);
      await page.getByRole("button", { name: "The fingerprints match, continue" }).waitFor();
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      await page.reload();
      expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
      const version = () =>
        page.evaluate(() => document.querySelector('meta[name="test-version"]')?.getAttribute("content"));
      expect(await version()).toBeUndefined();

      // The next deploy: a changed index.html, and so a changed sw.js (its precache revision).
      await gateway.stop();
      const html = path.join(dir, "index.html");
      writeFileSync(
        html,
        readFileSync(html, "utf8").replace("<title>", '<meta name="test-version" content="2" /><title>'),
      );
      const sw = path.join(dir, "sw.js");
      const before = readFileSync(sw, "utf8");
      const after = before.replace(/(\{url:"index\.html",revision:")[0-9a-f]+"/, '$1deploy-2"');
      expect(after).not.toBe(before);
      writeFileSync(sw, after);
      gateway = await serve();

      // A load checks /sw.js: the new worker installs and waits; the page still runs the old version.
      await page.reload();
      await page.getByText("A new version of Sealroom is ready.").waitFor();
      expect(await version()).toBeUndefined();
      await shot(page, "pwa-update-prompt");
      await page.getByRole("button", { name: "Reload", exact: true }).click();
      await expect.poll(version, { timeout: 15_000 }).toBe("2");
      await page.getByRole("button", { name: "The fingerprints match, continue" }).waitFor();
      expect(await page.getByText("A new version of Sealroom is ready.").count()).toBe(0);
      expect(browsers.pageErrors).toEqual([]);
    });
  } finally {
    await gateway.stop();
    await nc.drain().catch(() => undefined); // already closed
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

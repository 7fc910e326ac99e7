/**
 * Shared setup of the review's chat e2e files (bidi, keyboard, chat-review): the real stack, a
 * browsers' gateway of its own (same key, fixed port) that a test can stop and start again at the
 * same origin, people made through the SDK (signed up, befriended) and signed in in a browser.
 */
import net from "node:net";
import path from "node:path";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { createGateway, type Gateway } from "@sealroom/gateway";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";
import { connectNats, type NatsConnection } from "@sealroom/runtime";
import { dmConversationId } from "@sealroom/sdk/node";
import { befriend, password, signUp, type Person } from "../../social-helpers.js";
import { log, startStack, type Stack } from "../../support/stack.js";
import { Browsers, requireBrowserAndApp, shots, webDir } from "./browsers.js";
import { upToDate } from "./flows.js";

export { password, upToDate };

/** Generous limits: a test's burst of sends must not be rate-limited. */
const LIMITS = { rateLimitPerSec: 1000, rateLimitBurst: 1000 } as const;

export class ReviewStack {
  stack!: Stack;
  url = "";
  private port = 0;
  private web: { gateway: Gateway; nc: NatsConnection } | undefined;
  private readonly serverKey = nodeServerKey(generateServerKeyPem(2048));
  // A refused socket while the gateway is down is the browser's own console noise, not the app's.
  // What the browser itself logs while the server is down (the socket, a lazily loaded chunk the
  // app then does without: refused, or reset when the server stops while it is being fetched), not
  // errors of the app.
  readonly browsers = new Browsers(
    /WebSocket connection to .* failed|Failed to load resource: net::ERR_CONNECTION_(REFUSED|RESET)/,
  );

  async start(): Promise<void> {
    requireBrowserAndApp();
    this.stack = await startStack({ webDir, gatewayConfig: LIMITS });
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    await this.startWeb();
  }

  async stop(): Promise<void> {
    await this.browsers.closeAll();
    await this.stopWeb();
    await this.stack?.stop();
  }

  async startWeb(): Promise<void> {
    if (this.web) return;
    const nc = await connectNats({ url: this.stack.nats.url, name: "gateway-web", log });
    const gateway = createGateway({
      nc,
      log,
      serverKey: this.serverKey,
      config: LIMITS,
      host: "127.0.0.1",
      port: this.port,
      webDir,
      gatewayId: "gw-web",
    });
    await gateway.start();
    this.web = { gateway, nc };
  }

  async stopWeb(): Promise<void> {
    if (!this.web) return;
    await this.web.gateway.stop();
    await this.web.nc.drain().catch(() => undefined); // already closed
    this.web = undefined;
  }

  /** Two friends, made through the SDK; `dm` is their conversation. */
  async friends(a: string, b: string): Promise<{ me: Person; peer: Person; dm: string }> {
    const me = await signUp(this.stack, a);
    const peer = await signUp(this.stack, b);
    await befriend(me, peer);
    return { me, peer, dm: dmConversationId(me.user.id, peer.user.id) };
  }

  /**
   * A fresh browser profile signed in as `person` (first contact accepted), up to date, and its
   * device in the key directory: a message sent to `person` before the device has published its
   * KeyPackages is rightly not for it (it shows as not available there), which raced tests that
   * send at once under load.
   */
  async browserAs(person: Person, opts: { lang?: "en" | "zh-CN" } = {}): Promise<Page> {
    const devices = async () =>
      (await person.client.request("auth.keys.devices", { userId: person.user.id })).devices.length;
    const before = await devices();
    const { page } = await this.browsers.open();
    await page.goto(this.url);
    if (opts.lang) await page.evaluate((lang) => localStorage.setItem("sealroom.lang", lang), opts.lang);
    if (opts.lang) await page.reload();
    await page.locator("button.btn-primary").first().click(); // "the fingerprints match, continue"
    await signIn(page, person.name, password, opts.lang);
    await upToDate(page);
    await expect.poll(devices, { timeout: 30_000, interval: 100 }).toBeGreaterThan(before);
    return page;
  }
}

export async function signIn(page: Page, username: string, pw: string, lang: "en" | "zh-CN" = "en"): Promise<void> {
  const zh = lang === "zh-CN";
  await page.getByLabel(zh ? "用户名" : "Username", { exact: true }).fill(username);
  await page.getByLabel(zh ? "密码" : "Password", { exact: true }).fill(pw);
  await page.locator("form button[type=submit]").click();
}

export const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });
export const timeline = (page: Page) => page.getByTestId("timeline");
export const composer = (page: Page) => page.getByTestId("composer");
export const conv = (page: Page, name: string) => page.locator("a.conv", { hasText: name }).first();

/** Opens a conversation by its route, and waits for its composer. */
export async function openConversation(page: Page, conversationId: string): Promise<void> {
  await page.evaluate((id) => (window.location.hash = `#/chat/${id}`), conversationId);
  await page.getByTestId("composer").waitFor();
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Debian's chromium driven by playwright-core for the end-to-end files: each simulated user is a
 * fresh browser context (no pin, no ticket, storage of its own) in one chromium per test file, page
 * errors collected so each flow can assert there were none.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { startStack, type Stack, type StackOptions } from "../../support/stack.js";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const webDir = path.join(root, "apps/web/dist");
export const shots = path.join(root, "test-results/screenshots");
export const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";

// Flags from docs/DEVELOPMENT.md ("Browser tests"): without the background-networking ones Chromium floods the
// closed network with connections.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Fails the suite early, with the command that fixes it, when the app or the browser is missing. */
export function requireBrowserAndApp(): void {
  if (!existsSync(path.join(webDir, "index.html"))) {
    throw new Error(`${path.relative(root, webDir)} is not built: run \`npm run build\` first (npm test does)`);
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see docs/DEVELOPMENT.md, "Browser tests")`);
  }
  mkdirSync(shots, { recursive: true });
}

/** What every user's browser shows: English, light theme, laptop-sized. */
const CONTEXT = { locale: "en-US", colorScheme: "light", viewport: { width: 1280, height: 800 } } as const;

/** What a user's browser needs beyond a context of the shared chromium. */
export interface OpenOptions {
  /** Launch flags, e.g. `--host-resolver-rules`: users with the same flags share a chromium of their own. */
  args?: string[];
  /**
   * A chromium of its own with an on-disk profile. Contexts in a shared chromium are off the record
   * (like incognito windows), which Chromium holds against an app's installability.
   */
  profile?: boolean;
}

export class Browsers {
  /** Uncaught exceptions and console errors (CSP violations among them). */
  readonly pageErrors: string[] = [];
  private readonly contexts: BrowserContext[] = [];
  private readonly profiles: string[] = [];
  // A chromium launch costs about three times a context in a running one, so users share a chromium,
  // launched when the first one opens; one per set of launch flags, as a flag holds for a whole chromium.
  private readonly launched = new Map<string, Promise<Browser>>();

  /** @param ignoreConsole console errors that are the browser's own noise in a flow, not the app's */
  constructor(private readonly ignoreConsole?: RegExp) {}

  /** A fresh user's browser: English, light theme, laptop-sized, storage of its own. */
  async open(opts: OpenOptions = {}): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = opts.profile
      ? await this.withProfile(opts.args ?? [])
      : await (await this.browser(opts.args ?? [])).newContext(CONTEXT);
    this.contexts.push(ctx);
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    this.watch(page);
    return { ctx, page };
  }

  private browser(extraArgs: string[]): Promise<Browser> {
    const key = extraArgs.join("\n");
    let browser = this.launched.get(key);
    if (!browser) {
      browser = chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...ARGS, ...extraArgs] });
      this.launched.set(key, browser);
    }
    return browser;
  }

  private async withProfile(extraArgs: string[]): Promise<BrowserContext> {
    const profile = mkdtempSync(path.join(os.tmpdir(), "sealroom-e2e-"));
    this.profiles.push(profile);
    return chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...ARGS, ...extraArgs],
      ...CONTEXT,
    });
  }

  /** Collects a page's errors (also for pages a flow opens itself). */
  watch(page: Page): void {
    page.on("pageerror", (err) => this.pageErrors.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error" && !this.ignoreConsole?.test(msg.text())) this.pageErrors.push(msg.text());
    });
  }

  /** The open users' contexts, for screenshots of what each showed when a flow failed. */
  get all(): readonly BrowserContext[] {
    return this.contexts;
  }

  /**
   * Runs a flow; if it fails, `shot` saves what every page of every user showed
   * (`failure-<name>-<profile>-<page>`) before the error is rethrown.
   */
  async withFailureShots(
    name: string,
    shot: (page: Page, name: string) => Promise<unknown>,
    flow: () => Promise<void>,
  ): Promise<void> {
    try {
      await flow();
    } catch (err) {
      for (const [i, ctx] of this.contexts.entries())
        for (const [j, p] of ctx.pages().entries()) await shot(p, `failure-${name}-${i}-${j}`).catch(() => undefined);
      throw err;
    }
  }

  async closeAll(): Promise<void> {
    for (const ctx of this.contexts) await ctx.close().catch(() => undefined); // already closed is fine
    for (const browser of this.launched.values()) await browser.then((b) => b.close()).catch(() => undefined);
    for (const dir of this.profiles) rmSync(dir, { recursive: true, force: true });
    this.contexts.length = 0;
    this.launched.clear();
    this.profiles.length = 0;
  }
}

/**
 * A test file's real stack serving the web app, and its browsers, started before its tests and
 * stopped after them (the hooks are registered by this call).
 */
export function browserStack(opts: Omit<StackOptions, "webDir"> = {}): { readonly stack: Stack; browsers: Browsers } {
  let stack: Stack | undefined;
  const browsers = new Browsers();
  beforeAll(async () => {
    requireBrowserAndApp();
    stack = await startStack({ webDir, ...opts });
  });
  afterAll(async () => {
    await browsers.closeAll();
    await stack?.stop();
  });
  return {
    get stack() {
      if (!stack) throw new Error("the stack starts in beforeAll");
      return stack;
    },
    browsers,
  };
}

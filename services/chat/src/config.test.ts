import { describe, expect, it } from "vitest";
import { defaultChatConfig, resolveChatConfig } from "./config.js";
import { chatConfigFromEnv, loadEnv } from "./env.js";

describe("chat config", () => {
  it("the defaults: no send rate unless given; the process gives the environment's (20/s, burst 60)", () => {
    expect(resolveChatConfig()).toEqual(defaultChatConfig);
    expect(defaultChatConfig.sendRate).toBeNull();
    const env = loadEnv({ DATABASE_URL: "file:/tmp/x.db" });
    expect(resolveChatConfig(chatConfigFromEnv(env)).sendRate).toEqual({ perSec: 20, burst: 60 });
    // Reading: one connection's most (20 pages of 200 a second, 60 at once), for all of a user's together.
    expect(defaultChatConfig.readRate).toBeNull();
    expect(resolveChatConfig(chatConfigFromEnv(env)).readRate).toEqual({ perSec: 4000, burst: 12_000 });
    // Attachments: 1 MiB/s a user, 8 MiB at once (a photo goes at full speed, a large file is paced).
    expect(resolveChatConfig(chatConfigFromEnv(env)).blobRate).toEqual({ perSec: 1024 * 1024, burst: 8 * 1024 * 1024 });
    // SQLite's page reads: on one reader thread, off the event loop the writer shares.
    expect(resolveChatConfig(chatConfigFromEnv(env)).readThreads).toBe(1);
    expect(resolveChatConfig(chatConfigFromEnv(env)).readTimeoutMs).toBe(3000);
    const threads = loadEnv({ DATABASE_URL: "file:/tmp/x.db", CHAT_READ_THREADS: "2", CHAT_READ_TIMEOUT_MS: "900" });
    expect(resolveChatConfig(chatConfigFromEnv(threads))).toMatchObject({ readThreads: 2, readTimeoutMs: 900 });
    const onTheLoop = loadEnv({ DATABASE_URL: "file:/tmp/x.db", CHAT_READ_THREADS: "0" });
    expect(resolveChatConfig(chatConfigFromEnv(onTheLoop)).readThreads).toBe(0);
  });

  it("merges a partial over the defaults, the writer's limits field by field", () => {
    const config = resolveChatConfig({ timelinePollMs: 60_000, writer: { maxBatch: 8 } });
    expect(config).toEqual({
      ...defaultChatConfig,
      timelinePollMs: 60_000,
      writer: { ...defaultChatConfig.writer, maxBatch: 8 },
    });
  });

  it("refuses settings that cannot work", () => {
    expect(() => resolveChatConfig({ sendRate: { perSec: 5 } })).toThrow(/sendRate/);
    expect(() => resolveChatConfig({ writer: { maxBatch: 0 } })).toThrow(/writer/);
    // A burst below one full page would refuse every such page for ever.
    expect(() => resolveChatConfig({ readRate: { perSec: 100, burst: 199 } })).toThrow(/readRate/);
    expect(() => resolveChatConfig({ timelinePollMs: 0 })).toThrow(/timelinePollMs/);
    expect(() => resolveChatConfig({ readThreads: -1 })).toThrow(/readThreads/);
    expect(() => resolveChatConfig({ readTimeoutMs: 0 })).toThrow(/readTimeoutMs/);
  });
});

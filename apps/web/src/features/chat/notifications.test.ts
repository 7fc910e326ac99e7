import { afterEach, describe, expect, test, vi } from "vitest";
import type { Entry, SealroomClient } from "@sealroom/sdk/browser";
import { ChatFakeClient, BOB, ME, text } from "./test-support.js";
import { Notifier, shouldNotify, type NotifyContext } from "./notifications.js";

const base: NotifyContext = { fromMe: false, permission: "granted", hidden: false, focused: true, onScreen: false };

describe("shouldNotify", () => {
  test.each([
    ["a hidden tab", { hidden: true, onScreen: true }, true],
    ["a background window, another conversation", { focused: false }, true],
    ["a background window, the conversation on screen", { focused: false, onScreen: true }, false],
    ["the user looking at the page", {}, false],
    ["the user's own message", { hidden: true, fromMe: true }, false],
    ["no permission", { hidden: true, permission: "default" }, false],
    ["denied", { hidden: true, permission: "denied" }, false],
    ["a muted conversation", { hidden: true, muted: true }, false],
    ["a muted conversation, a mention of the user", { hidden: true, muted: true, mentionsMe: true }, true],
  ] as const)("%s", (_name, patch, expected) => {
    expect(shouldNotify({ ...base, ...patch })).toBe(expected);
  });
});

/** A stand-in for window.Notification that records what was shown. */
function fakeNotificationApi(permission: NotificationPermission) {
  const shown: { title: string; body?: string; tag?: string }[] = [];
  const Api = function (this: { onclick: unknown; close(): void }, title: string, opts: NotificationOptions) {
    shown.push({ title, body: opts.body, tag: opts.tag });
    this.close = () => undefined;
  } as unknown as typeof Notification;
  Object.assign(Api, { permission, requestPermission: vi.fn(async () => permission) });
  return { Api, shown };
}

describe("Notifier", () => {
  afterEach(() => vi.restoreAllMocks());

  test("while the tab is hidden, each new message of others is shown once, with the sender and group", () => {
    const client = new ChatFakeClient();
    const { Api, shown } = fakeNotificationApi("granted");
    const notifier = new Notifier(client as unknown as SealroomClient, Api);
    vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    notifier.attach({
      openConversation: () => "dm:1:2",
      text: ({ sender, group, preview }) => ({ title: group ? `${sender} @ ${group}` : sender, body: preview }),
      open: () => undefined,
    });
    const created = (entry: ReturnType<typeof text>, group: { id: number; name: string } | null = null) => ({
      entry,
      sender: entry.senderId === ME.id ? ME : BOB,
      group,
      preview: entry.text,
    });
    client.emit("event", "chat.message.created.v1", created(text(1, BOB.id, "psst")));
    client.emit("event", "chat.message.created.v1", created(text(1, BOB.id, "psst"))); // delivered twice
    client.emit("event", "chat.message.created.v1", created(text(2, ME.id, "my own")));
    client.emit(
      "event",
      "chat.message.created.v1",
      created({ ...text(3, BOB.id, "team news"), conversationId: "group:4" }, { id: 4, name: "Team" }),
    );
    expect(shown).toEqual([
      { title: "bob", body: "psst", tag: "dm:1:2" },
      { title: "bob @ Team", body: "team news", tag: "group:4" },
    ]);
  });

  test("an end-to-end encrypted message is worded from its text decrypted on the device, once", () => {
    const client = new ChatFakeClient();
    const { Api, shown } = fakeNotificationApi("granted");
    const notifier = new Notifier(client as unknown as SealroomClient, Api);
    vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    const listeners = new Set<(entry: Entry) => void>();
    notifier.attach({
      openConversation: () => undefined,
      text: ({ sender, preview }) => ({ title: sender, body: preview }),
      open: () => undefined,
      entries: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    });
    const { text: _, editedTs: __, deletedTs: ___, ...rest } = text(5, BOB.id, "");
    const app = (seq: number) => ({ ...rest, seq, kind: "mls.app", message: "AAAA" });
    // The live event carries ciphertext only (and no preview): nothing is shown yet.
    client.emit("event", "chat.message.created.v1", { entry: app(5), sender: BOB, group: null, preview: "" });
    client.emit("event", "chat.message.created.v1", { entry: app(6), sender: BOB, group: null, preview: "" });
    expect(shown).toEqual([]);
    // Then the engine surfaces it decrypted (twice: a later sync), and one it could not decrypt.
    const surfaced = (seq: number, body: string, e2e: string) => ({ ...text(seq, BOB.id, body), e2e });
    for (const l of listeners) l(surfaced(5, "the secret plan", "decrypted"));
    for (const l of listeners) l(surfaced(5, "the secret plan", "decrypted"));
    for (const l of listeners) l(surfaced(6, "", "undecryptable"));
    // A text never announced live (read in a sync) is not notified.
    for (const l of listeners) l(surfaced(7, "old news", "decrypted"));
    expect(shown).toEqual([
      { title: "bob", body: "the secret plan", tag: "dm:1:2" },
      { title: "bob", body: "", tag: "dm:1:2" },
    ]);
  });

  test("asks for permission only when told to, and remembers a dismissal", async () => {
    const { Api } = fakeNotificationApi("default");
    const notifier = new Notifier(new ChatFakeClient() as unknown as SealroomClient, Api);
    expect(Api.requestPermission).not.toHaveBeenCalled();
    await notifier.request();
    expect(Api.requestPermission).toHaveBeenCalledTimes(1);
    notifier.dismiss();
    expect(new Notifier(new ChatFakeClient() as unknown as SealroomClient, Api).getSnapshot().dismissed).toBe(true);
  });
});

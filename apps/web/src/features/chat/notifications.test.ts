import { afterEach, describe, expect, test, vi } from "vitest";
import type { SealroomClient } from "@sealroom/sdk/browser";
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

import { describe, expect, it } from "vitest";
import { parseChatEvent } from "./chat-events.js";

const entry = {
  kind: "text",
  id: 1,
  conversationId: "dm:1:2",
  seq: 1,
  ts: 1,
  senderId: 2,
  clientMsgId: "c1",
  text: "hi",
  editedTs: null,
  deletedTs: null,
};

describe("parseChatEvent", () => {
  it("gives a well-formed chat event as a member of the union, narrowed by its type", () => {
    const event = parseChatEvent("chat.message.created.v1", {
      entry,
      sender: { id: 2, username: "bob" },
      group: null,
      preview: "hi",
    });
    expect(event?.type).toBe("chat.message.created.v1");
    if (event?.type === "chat.message.created.v1") expect(event.body.sender?.username).toBe("bob");
    expect(
      parseChatEvent("typing.started.v1", { conversationId: "dm:1:2", user: { id: 2, username: "bob" } })?.type,
    ).toBe("typing.started.v1");
  });

  it("refuses a body that breaks its contract, another event's body, and types it does not know", () => {
    expect(
      parseChatEvent("chat.message.created.v1", {
        entry: { ...entry, seq: "1" },
        sender: null,
        group: null,
        preview: "",
      }),
    ).toBeUndefined();
    expect(parseChatEvent("chat.message.updated.v1", { entry })).toBeUndefined();
    expect(parseChatEvent("chat.read.v1", null)).toBeUndefined();
    expect(parseChatEvent("social.friend.added.v1", {})).toBeUndefined();
    expect(parseChatEvent("toString", {})).toBeUndefined();
  });
});

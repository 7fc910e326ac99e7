/**
 * The outside review's finding 14 in the web app: a DM with someone who is no longer a friend (either
 * side unfriended or blocked) shows no presence and no composer but says why; a refusal no retry can
 * overcome offers no Retry; the list does not present an unsent message as said.
 */
import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { en } from "../../i18n/en.js";
import { SocialProvider } from "../social/index.js";
import { showingSocial } from "../social/testing.js";
import { ConversationView } from "./ConversationView.js";
import { previewText } from "./format.js";
import { BOB, DM_BOB, ME, chatHarness, dmSummary, refuse, renderChat, settle, text } from "./test-support.js";

const t = (key: keyof typeof en, vars: Record<string, string | number> = {}) =>
  en[key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ""));

/** A social store stand-in whose friendship with bob can change while rendered. */
function social(opts: { friend: boolean; blocked: boolean }) {
  const partsOf = ({ friend, blocked }: typeof opts) => ({
    friends: friend ? [{ user: BOB, since: 1, presence: { online: true, lastSeenAt: null } }] : [],
    blocked: blocked ? [{ user: BOB, since: 1 }] : [],
  });
  const { store, show } = showingSocial(partsOf(opts));
  return {
    like: store,
    set(next: typeof opts) {
      act(() => show(partsOf(next)));
    },
  };
}

async function dm(setup: Parameters<typeof chatHarness>[0] = () => undefined) {
  const entries = [text(1, BOB.id, "hi")];
  return chatHarness((c) => {
    c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, 1, entries[0]!.ts, 0, entries[0]!)] });
    c.commands["chat.history"] = () => ({ conversationId: DM_BOB, entries, lastSeq: 1, visibleFromSeq: 0 });
    setup(c);
  });
}

describe("a DM that can no longer be written to", () => {
  test("after an unfriending: no composer, no presence, and a sentence saying why", async () => {
    await renderChat(
      <SocialProvider store={social({ friend: false, blocked: false }).like}>
        <ConversationView conversationId={DM_BOB} />
      </SocialProvider>,
      await dm(),
    );
    await settle();
    expect(screen.getByTestId("dm-closed").textContent).toBe(t("chat.dmNotFriends", { name: "bob" }));
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(screen.queryByText("Online")).toBeNull();
    expect(document.querySelector(".presence-dot")).toBeNull();
  });

  test("after the user blocked them: says so", async () => {
    await renderChat(
      <SocialProvider store={social({ friend: false, blocked: true }).like}>
        <ConversationView conversationId={DM_BOB} />
      </SocialProvider>,
      await dm(),
    );
    await settle();
    expect(screen.getByTestId("dm-closed").textContent).toBe(t("chat.dmBlocked", { name: "bob" }));
  });

  test("with a friend the composer stays", async () => {
    await renderChat(
      <SocialProvider store={social({ friend: true, blocked: false }).like}>
        <ConversationView conversationId={DM_BOB} />
      </SocialProvider>,
      await dm(),
    );
    await settle();
    expect(screen.getByRole("textbox")).toBeTruthy();
    expect(screen.queryByTestId("dm-closed")).toBeNull();
  });
});

describe("a message no retry can deliver", () => {
  test("refused while friends, then unfriended: says why, offers Discard, not a hopeless Retry", async () => {
    const store = social({ friend: true, blocked: false });
    const h = await dm((c) => (c.commands["chat.send"] = refuse("FORBIDDEN")));
    await renderChat(
      <SocialProvider store={store.like}>
        <ConversationView conversationId={DM_BOB} />
      </SocialProvider>,
      h,
    );
    await settle();
    const user = userEvent.setup();
    await user.type(screen.getByRole("textbox", { name: "Message bob" }), "still there?{Enter}");
    await settle();
    // While still friends (as far as the app knows) a Retry may help.
    expect(within(screen.getByTestId("pending-message")).getByRole("button", { name: "Retry" })).toBeTruthy();
    store.set({ friend: false, blocked: false });
    await settle();
    const failed = screen.getByTestId("pending-message");
    expect(within(failed).getByRole("alert").textContent).toContain("no longer friends");
    expect(within(failed).queryByRole("button", { name: "Retry" })).toBeNull();
    expect(screen.queryByRole("textbox")).toBeNull();
    await user.click(within(failed).getByRole("button", { name: "Discard" }));
    await settle();
    expect(screen.queryByTestId("pending-message")).toBeNull();
  });

  test("the list previews a failed message as not sent", () => {
    const pending = {
      clientMsgId: "c1",
      conversationId: DM_BOB,
      text: "still there?",
      attempts: 1,
      writtenTs: 0,
      status: "failed" as const,
      error: { code: "FORBIDDEN" as const, message: "no", retryable: false },
    };
    expect(previewText(pending, ME.id, (key, vars) => t(key, vars))).toBe("Not sent: still there?");
  });
});

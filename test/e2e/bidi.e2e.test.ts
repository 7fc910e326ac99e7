/**
 * Bidi controls (outside review, item 10) in a real browser against the real stack: an override in
 * a message must not reverse what follows it (the time), disguise a link's target, or reach the
 * service at all when it is unpaired (the contract refuses it; the composer says why).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { ReviewStack, composer, openConversation, shot, timeline } from "./support/review.js";

const RLO = "\u202E";
const PDF = "\u202C";
const env = new ReviewStack();

beforeAll(() => env.start());
afterAll(() => env.stop());

test("an unpaired bidi override is refused by the gateway and the service, for sends and edits", async () => {
  const { peer, dm } = await env.friends("bidi_a", "bidi_b");
  const sent = await peer.client.call("chat.send", {
    conversationId: dm,
    clientMsgId: "bidi-1",
    text: `pay ${RLO}001$ now`,
  });
  expect(sent.ok).toBe(false);
  if (!sent.ok) expect(sent.error.code).toBe("BAD_REQUEST");
  // Paired (closed before the end of its line), it is ordinary right-to-left text.
  const paired = await peer.client.request("chat.send", {
    conversationId: dm,
    clientMsgId: "bidi-2",
    text: `${RLO}abc${PDF} ok`,
  });
  const edited = await peer.client.call("chat.edit", { conversationId: dm, seq: paired.seq, text: `now ${RLO}open` });
  expect(edited.ok).toBe(false);
  // A newline ends every embedding: an override still open at the end of a line is unpaired.
  const split = await peer.client.call("chat.send", {
    conversationId: dm,
    clientMsgId: "bidi-3",
    text: `${RLO}abc\n${PDF}`,
  });
  expect(split.ok).toBe(false);
});

test("message text and names are bidi-isolated, a stored override does not move the time, and links show their real target", async () => {
  const { me, peer, dm } = await env.friends("bidi_c", "bidi_d");
  // A message stored before the contract refused unpaired overrides: its text is set in the database.
  const legacy = await peer.client.request("chat.send", { conversationId: dm, clientMsgId: "legacy", text: "legacy" });
  await env.stack.db.message.update({ where: { id: legacy.id }, data: { body: `reversed ${RLO}tail` } });
  await peer.client.request("chat.send", {
    conversationId: dm,
    clientMsgId: "link",
    text: `see https://evil.example/${RLO}gpj.exe${PDF} now`,
  });

  const page = await env.browserAs(me);
  await openConversation(page, dm);
  const legacyMsg = timeline(page).locator(`[data-seq="${legacy.seq}"]`);
  await legacyMsg.waitFor();

  // The time stays after the text (to its right), not pulled in front of it by the open override.
  const place = await legacyMsg.evaluate((m) => {
    const text = m.querySelector(".msg-text")!.getBoundingClientRect();
    const time = m.querySelector("time")!.getBoundingClientRect();
    return { textRight: text.right, timeLeft: time.left };
  });
  expect(place.timeLeft).toBeGreaterThanOrEqual(place.textRight - 1);

  // Every user-supplied string sits in its own isolate.
  const isolated = (selector: string) =>
    page
      .locator(selector)
      .first()
      .evaluate((el) => {
        for (let n: Element | null = el; n; n = n.parentElement)
          if (getComputedStyle(n).unicodeBidi.includes("isolate")) return true;
        return false;
      });
  for (const selector of [".msg-text", "#conversation-title bdi", "a.conv .conv-name bdi", "a.conv .conv-preview bdi"])
    expect(await isolated(selector), selector).toBe(true);

  // The link's text is exactly where it goes, with no control character to disguise it.
  const link = timeline(page).locator("a.msg-link");
  const href = await link.getAttribute("href");
  expect(href).toBe("https://evil.example/");
  expect(await link.textContent()).toBe(href);
  expect(await link.evaluate((a) => getComputedStyle(a).direction)).toBe("ltr");
  await shot(page, "bidi-messages");
  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, "bidi-messages-dark");
  await page.emulateMedia({ colorScheme: "light" });

  // The composer refuses an unpaired override before sending, and says why.
  await composer(page).fill(`pay ${RLO}001$`);
  const send = page.getByRole("button", { name: "Send" });
  expect(await send.isDisabled()).toBe(true);
  await page.getByTestId("composer-problem").filter({ hasText: "direction" }).waitFor();
  const describedBy = (await composer(page).getAttribute("aria-describedby")) ?? "";
  expect(describedBy.split(" ")).toContain("composer-problem");
  await composer(page).press("Enter");
  expect(await timeline(page).getByTestId("pending-message").count()).toBe(0);
  await shot(page, "bidi-composer-refused");
  expect(env.browsers.pageErrors).toEqual([]);
});

import { describe, expect, test } from "vitest";
import { KeyMismatchError, KeyRejectedError } from "@sealroom/sdk/browser";
import { ALICE, HOST, KEY_A, KEY_B, createHarness } from "../test/fakes.js";

describe("SessionController", () => {
  test("first visit: no pin, so the fingerprint is shown and nothing connects", async () => {
    const h = createHarness({ presented: KEY_A });
    await h.session.start();
    expect(h.session.phase).toMatchObject({ name: "first-contact", host: HOST, keyId: KEY_A });
    expect(h.session.phase.name === "first-contact" && h.session.phase.fingerprint).toMatch(/^aaaa:aaaa:0123:/);
    expect(h.client.calls).toEqual([]);
    expect(h.pins.pins.size).toBe(0);
  });

  test("continuing pins exactly the key that was shown, then shows the sign-in form", async () => {
    const h = createHarness({ presented: KEY_A });
    await h.session.start();
    await h.session.acceptFirstContact();
    expect(h.pins.pins.get(HOST)).toBe(KEY_A);
    expect(h.session.getSnapshot()).toMatchObject({ phase: { name: "signed-out" }, pinnedKeyId: KEY_A });
  });

  test("no pin and no server: say so rather than pin nothing", async () => {
    const h = createHarness({ presented: new Error("offline") });
    await h.session.start();
    expect(h.session.phase.name).toBe("unreachable");
  });

  test("a pinned key that differs from the served one stops before any sign-in", async () => {
    const h = createHarness({ pinned: KEY_A, presented: KEY_B, ticket: true });
    await h.session.start();
    expect(h.session.phase).toEqual({ name: "key-changed", host: HOST, expected: KEY_A, actual: KEY_B });
    expect(h.client.calls).toEqual([]); // the ticket is not offered to the new key
  });

  test("the SDK's KeyMismatchError (the handshake's verdict) also shows the warning", async () => {
    const h = createHarness({ pinned: KEY_A, ticket: true });
    await h.session.start();
    h.client.emit("error", new KeyMismatchError(HOST, KEY_A, KEY_B));
    expect(h.session.phase).toEqual({ name: "key-changed", host: HOST, expected: KEY_A, actual: KEY_B });
  });

  test("trusting the new key forgets the old pin, pins the verified key and reconnects", async () => {
    const h = createHarness({ pinned: KEY_A, presented: KEY_B, ticket: true });
    await h.session.start();
    await h.session.trustNewKey();
    expect(h.pins.log).toEqual(["forget", `set:${KEY_B.slice(0, 8)}`]);
    expect(h.pins.pins.get(HOST)).toBe(KEY_B);
    expect(h.session.phase.name).toBe("resuming");
    expect(h.client.calls).toEqual(["connect"]);
  });

  test("a pin that vanished before the handshake (KeyRejectedError) asks again", async () => {
    const h = createHarness({ pinned: KEY_A, ticket: true });
    await h.session.start();
    h.client.emit("error", new KeyRejectedError(HOST, KEY_B.match(/.{4}/g)!.join(":")));
    expect(h.session.phase).toMatchObject({ name: "first-contact", keyId: KEY_B });
  });

  test("a stored ticket resumes without the password", async () => {
    const h = createHarness({ pinned: KEY_A, ticket: true });
    await h.session.start();
    expect(h.session.phase.name).toBe("resuming");
    expect(h.client.calls).toEqual(["connect"]);
    h.client.emit("signedIn", ALICE);
    expect(h.session.phase).toEqual({ name: "signed-in", user: ALICE });
  });

  test("without a ticket the sign-in form shows and no connection opens until submit", async () => {
    const h = createHarness({ pinned: KEY_A });
    await h.session.start();
    expect(h.session.phase).toEqual({ name: "signed-out" });
    expect(h.client.calls).toEqual([]);
    await h.session.authenticate("signIn", "alice", "pass word");
    expect(h.client.calls).toEqual(["connect", "login:alice"]);
    expect(h.session.phase).toEqual({ name: "signed-in", user: ALICE });
  });

  test("a failed sign-in closes the anonymous connection and rethrows for the form", async () => {
    const h = createHarness({ pinned: KEY_A });
    await h.session.start();
    const boom = new Error("AUTH_INVALID_CREDENTIALS");
    h.client.authImpl = async () => {
      throw boom;
    };
    await expect(h.session.authenticate("signIn", "alice", "nope")).rejects.toBe(boom);
    expect(h.client.calls).toEqual(["connect", "login:alice", "close"]);
  });

  test("signed out (revoked elsewhere) returns to the form with a notice and closes", async () => {
    const h = createHarness({ pinned: KEY_A, ticket: true });
    await h.session.start();
    h.client.emit("signedIn", ALICE);
    h.client.state = "connected";
    h.client.emit("signedOut", "revoked");
    expect(h.session.phase).toEqual({ name: "signed-out", notice: "revoked" });
    expect(h.client.calls.at(-1)).toBe("close");
  });

  test("logout that cannot reach the server still forgets the ticket here", async () => {
    const h = createHarness({ pinned: KEY_A, ticket: true });
    await h.session.start();
    h.client.emit("signedIn", ALICE);
    h.client.logoutImpl = async () => {
      throw new Error("UNAVAILABLE");
    };
    await h.session.logout(false);
    expect(h.tickets.load()).toBeUndefined();
    expect(h.session.phase).toEqual({ name: "signed-out", notice: "local-logout" });
  });

  test("logout everywhere that fails is reported, not faked", async () => {
    const h = createHarness({ pinned: KEY_A, ticket: true });
    await h.session.start();
    h.client.emit("signedIn", ALICE);
    h.client.logoutImpl = async () => {
      throw new Error("UNAVAILABLE");
    };
    await expect(h.session.logout(true)).rejects.toThrow("UNAVAILABLE");
    expect(h.session.phase.name).toBe("signed-in");
    expect(h.tickets.load()).toBeDefined();
  });
});

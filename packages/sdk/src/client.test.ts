/**
 * SealroomClient against an in-memory gateway that speaks the real handshake and encrypted channel
 * and keeps resume tickets the way services/auth does (single use; a reused ticket revokes the
 * session, unless it is the one the session's latest resume consumed: a retry after a lost reply). No sockets, no NATS: what is tested is the client's own sequencing.
 */
import { randomBytes } from "node:crypto";
import { AppError } from "@sealroom/proto/errors";
import { FRAME, ServerHandshake, toHex, type SecureChannel, type ServerKey } from "@sealroom/proto/session";
import { generateServerKeyPem, nodeBackend, nodeServerKey } from "@sealroom/proto/session/node";
import { beforeAll, describe, expect, test } from "vitest";
import { SealroomClient } from "./client.js";
import type { SocketLike } from "./link.js";
import { MemoryPinStore } from "./pins.js";
import type { StoredTicket, TicketStore } from "./tickets.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const URL_ = "ws://gw.test/ws";

let serverKey: ServerKey;
beforeAll(() => {
  serverKey = nodeServerKey(generateServerKeyPem(2048));
});

type Reply = { ok: true; value: unknown } | { ok: false; error: ReturnType<AppError["toJSON"]> };

/** Sessions and tickets as services/auth keeps them. */
class FakeAuth {
  readonly tickets = new Map<string, { session: string; used: boolean }>();
  readonly revoked = new Set<string>();
  /** Per session, the ticket its latest resume consumed (the retry grace never runs out here). */
  private readonly lastTicket = new Map<string, string>();
  /** Resumes answered as retries. */
  retries = 0;
  private sessions = 0;
  /** Widens the window between a resume's arrival and its answer, as a real round trip does. */
  resumeDelayMs = 20;
  /** Called when a resume arrives (before it is answered). */
  onResume: () => void = () => undefined;
  /** Replaces the answer to one command type (a server that breaks the contract). */
  readonly answers = new Map<string, Reply>();
  /** Command types never answered (a server that went silent). */
  readonly unanswered = new Set<string>();

  grant(session: string) {
    const ticket = randomBytes(32).toString("base64url");
    this.tickets.set(ticket, { session, used: false });
    return { user: { id: 7, username: "tab" }, sessionId: session, ticket, ticketExpiresAt: Date.now() + 3_600_000 };
  }

  async handle(type: string, body: Record<string, unknown>): Promise<Reply> {
    const answer = this.answers.get(type);
    if (answer) return answer;
    switch (type) {
      case "auth.register":
        return { ok: true, value: this.grant(`s${++this.sessions}`) };
      case "auth.logout":
        return { ok: true, value: {} };
      case "auth.resume": {
        this.onResume();
        await new Promise((r) => setTimeout(r, this.resumeDelayMs));
        const ticket = String(body.ticket);
        const row = this.tickets.get(ticket);
        if (row?.used && !this.revoked.has(row.session) && this.lastTicket.get(row.session) === ticket) {
          // A retry: the ticket the first attempt issued is replaced.
          this.retries++;
          for (const other of this.tickets.values()) if (other.session === row.session) other.used = true;
          return { ok: true, value: this.grant(row.session) };
        }
        if (!row || row.used || this.revoked.has(row.session)) {
          if (row?.used) this.revoked.add(row.session);
          return { ok: false, error: new AppError("AUTH_TICKET_INVALID").toJSON() };
        }
        row.used = true;
        this.lastTicket.set(row.session, ticket);
        return { ok: true, value: this.grant(row.session) };
      }
      default:
        return { ok: false, error: new AppError("UNKNOWN_COMMAND").toJSON() };
    }
  }
}

/** One client socket wired to a server side that runs ServerHandshake and answers commands. */
function fakeSocket(auth: FakeAuth, opened: { count: number }): SocketLike {
  opened.count++;
  const hs = new ServerHandshake({ backend: nodeBackend, serverKey });
  let step: "hello" | "finished" | "ready" = "hello";
  let channel: SecureChannel | undefined;
  let chain = Promise.resolve();
  let closed = false;
  const deliver = (frame: Uint8Array) => {
    if (!closed)
      socket.onmessage?.({ data: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) });
  };
  const receive = async (frame: Uint8Array) => {
    if (step === "hello") {
      const { serverHello, serverFinished } = await hs.onClientHello(frame);
      step = "finished";
      deliver(serverHello);
      deliver(serverFinished);
    } else if (step === "finished") {
      channel = await hs.onClientFinished(frame);
      step = "ready";
    } else {
      const opened = await channel!.open(frame);
      if (opened.type !== FRAME.DATA) return;
      const msg = JSON.parse(decoder.decode(opened.plaintext)) as {
        id: number;
        type: string;
        body: Record<string, unknown>;
      };
      if (auth.unanswered.has(msg.type)) return;
      const reply = await auth.handle(msg.type, msg.body);
      for (const f of await channel!.seal(
        FRAME.DATA,
        encoder.encode(JSON.stringify({ t: "reply", id: msg.id, ...reply })),
      ))
        deliver(f);
    }
  };
  const socket: SocketLike = {
    binaryType: "arraybuffer",
    bufferedAmount: 0,
    get readyState() {
      return closed ? 3 : 1;
    },
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    send(data) {
      const copy = data.slice();
      chain = chain.then(() => receive(copy));
    },
    close(code = 1000, reason = "") {
      if (closed) return;
      closed = true;
      setTimeout(() => socket.onclose?.({ code, reason }));
    },
  };
  setTimeout(() => deliver(hs.serverKeyFrame));
  return socket;
}

/** localStorage as several tabs see it: one value, shared. */
class SharedTicketStore implements TicketStore {
  value: StoredTicket | undefined;
  load() {
    return this.value;
  }
  save(t: StoredTicket) {
    this.value = t;
  }
  clear() {
    this.value = undefined;
  }
}

/** The same store with an exclusive lock, as navigator.locks gives the web app. */
class LockedTicketStore extends SharedTicketStore {
  private tail: Promise<unknown> = Promise.resolve();
  withLock<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** A host that vanished: nothing ever comes back, not even a refusal, until the client closes it. */
function blackholeSocket(opened: { count: number }): SocketLike {
  opened.count++;
  const socket: SocketLike = {
    binaryType: "arraybuffer",
    bufferedAmount: 0,
    readyState: 1,
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    send() {},
    close(code = 1000, reason = "") {
      setTimeout(() => socket.onclose?.({ code, reason }));
    },
  };
  return socket;
}

/** A server that is down: the socket closes without opening. */
function refusedSocket(opened: { count: number }): SocketLike {
  opened.count++;
  const socket: SocketLike = {
    binaryType: "arraybuffer",
    bufferedAmount: 0,
    readyState: 3,
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    send() {},
    close() {},
  };
  setTimeout(() => socket.onclose?.({ code: 1006, reason: "" }));
  return socket;
}

interface ClientTestOptions {
  down?: () => boolean;
  random?: () => number;
  initialDelayMs?: number;
  requestTimeoutMs?: number;
  /** Sockets that never open nor close (a host that vanished), before the working ones. */
  blackholes?: number;
}

function newClient(auth: FakeAuth, tickets: TicketStore, opened = { count: 0 }, opts: ClientTestOptions = {}) {
  const pins = new MemoryPinStore();
  return new SealroomClient({
    urls: [URL_],
    backend: nodeBackend,
    socketFactory: () =>
      opened.count < (opts.blackholes ?? 0)
        ? blackholeSocket(opened)
        : opts.down?.()
          ? refusedSocket(opened)
          : fakeSocket(auth, opened),
    ...(opts.random ? { random: opts.random } : {}),
    pins: { store: pins, pin: toHex(serverKey.keyId) },
    tickets,
    reconnect: { initialDelayMs: opts.initialDelayMs ?? 10, maxDelayMs: Math.max(50, opts.initialDelayMs ?? 0) },
    requestTimeoutMs: opts.requestTimeoutMs ?? 3000,
  });
}

/** A first tab registers; the store then holds one fresh ticket for two more tabs to resume with. */
async function twoTabsResuming(tickets: SharedTicketStore) {
  const auth = new FakeAuth();
  const first = newClient(auth, tickets);
  await first.connect();
  await first.register("tab", "correct horse battery");
  first.close();
  const tabs = [newClient(auth, tickets), newClient(auth, tickets)];
  const outcomes = tabs.map(
    (c) =>
      new Promise<string>((resolve) => {
        c.on("signedIn", () => resolve("signed in"));
        c.on("signedOut", (reason) => resolve(reason));
      }),
  );
  for (const c of tabs) void c.connect().catch(() => undefined);
  const result = await Promise.all(outcomes);
  for (const c of tabs) c.close();
  return { result, auth };
}

describe("resume tickets shared by several clients (browser tabs)", () => {
  test("without a lock, two tabs resuming at once both present the one ticket: the second is taken for a retry and replaces the first's ticket", async () => {
    const { result, auth } = await twoTabsResuming(new SharedTicketStore());
    // Both sign in, but a tab whose replaced ticket were saved last would end the session on its
    // next resume: the lock is what keeps the tabs' resumes one after the other.
    expect(result).toEqual(["signed in", "signed in"]);
    expect(auth.retries).toBe(1);
  });

  test("with the store's lock, the second tab resumes with the ticket the first one saved", async () => {
    const tickets = new LockedTicketStore();
    const { result, auth } = await twoTabsResuming(tickets);
    expect(result).toEqual(["signed in", "signed in"]);
    expect(auth.revoked.size).toBe(0);
    expect(auth.retries).toBe(0);
    // What is left in the store is the one unused ticket, for the next reload.
    expect(auth.tickets.get(tickets.value!.ticket)).toEqual({ session: "s1", used: false });
  });
});

describe("a connection that goes silent (its host vanished without closing it)", () => {
  test("a command unanswered for its whole timeout, with nothing else arriving, drops the connection: the client resumes on a new one", async () => {
    const auth = new FakeAuth();
    const opened = { count: 0 };
    const client = newClient(auth, new SharedTicketStore(), opened, { requestTimeoutMs: 200 });
    await client.connect();
    await client.register("tab", "correct horse battery");
    const resumed = new Promise((resolve) => client.on("signedIn", resolve));
    auth.unanswered.add("auth.logout");
    const r = await client.call("auth.logout", {});
    expect(r).toMatchObject({ ok: false, error: { code: "TIMEOUT" } });
    expect(await resumed).toMatchObject({ id: 7 });
    expect(opened.count).toBe(2);
    expect(client.state).toBe("ready");
    client.close();
  });

  test("a connection attempt that never gets an answer is given up after the request timeout, and the next one made", async () => {
    const auth = new FakeAuth();
    const opened = { count: 0 };
    const client = newClient(auth, new SharedTicketStore(), opened, { requestTimeoutMs: 200, blackholes: 1 });
    const t0 = Date.now();
    void client.connect().catch(() => undefined);
    await new Promise<void>((resolve) => client.on("state", (s) => s === "connected" && resolve()));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(opened.count).toBe(2);
    client.close();
  });

  test("a slow command while other frames arrive keeps the connection", async () => {
    const auth = new FakeAuth();
    const opened = { count: 0 };
    const client = newClient(auth, new SharedTicketStore(), opened, { requestTimeoutMs: 200 });
    await client.connect();
    await client.register("tab", "correct horse battery");
    auth.unanswered.add("auth.logout");
    let done = false;
    const slow = client.call("auth.logout", {}).finally(() => (done = true));
    // Other replies keep arriving while the slow one waits.
    while (!done) {
      expect((await client.call("auth.register", { username: "tab2", password: "correct horse battery" })).ok).toBe(
        true,
      );
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(await slow).toMatchObject({ ok: false, error: { code: "TIMEOUT" } });
    await new Promise((r) => setTimeout(r, 50));
    expect(opened.count).toBe(1);
    expect(client.state).toBe("ready");
    client.close();
  });
});

describe("close()", () => {
  // Regression for d1efb18: after logout the client was dormant; close() kept that flag, so the
  // first command after connect() "woke" it and opened a second connection, orphaning the first.
  test("after logout and close, connect() and a command use one new connection, not two", async () => {
    const auth = new FakeAuth();
    const opened = { count: 0 };
    const client = newClient(auth, new SharedTicketStore(), opened);
    await client.connect();
    await client.register("tab", "correct horse battery");
    await client.logout();
    expect(client.state).toBe("idle");
    client.close();
    opened.count = 0;
    await client.connect();
    const r = await client.call("auth.register", { username: "tab", password: "correct horse battery" });
    expect(r.ok).toBe(true);
    expect(opened.count).toBe(1);
    client.close();
  });
});

describe("replies are parsed with the command's value schema", () => {
  test("a reply that breaks the contract is a protocol error (INTERNAL) naming the field", async () => {
    const auth = new FakeAuth();
    const client = newClient(auth, new SharedTicketStore());
    await client.connect();
    auth.answers.set("auth.register", { ok: true, value: { user: { id: "7", username: "tab" } } });
    const r = await client.call("auth.register", { username: "tab", password: "correct horse battery" });
    expect(r).toMatchObject({ ok: false, error: { code: "INTERNAL", message: expect.stringContaining("user.id") } });
    await expect(client.register("tab", "correct horse battery")).rejects.toMatchObject({ code: "INTERNAL" });
    // Not signed in by a grant that did not parse.
    expect(client.state).toBe("connected");
    client.close();
  });

  test("a valid reply arrives as the contract's output (unknown fields dropped)", async () => {
    const auth = new FakeAuth();
    const client = newClient(auth, new SharedTicketStore());
    await client.connect();
    auth.answers.set("auth.logout", { ok: true, value: { extra: 1 } });
    await client.register("tab", "correct horse battery");
    const r = await client.call("auth.logout", {});
    expect(r).toEqual({ ok: true, value: {} });
    client.close();
  });
});

describe('reconnect() (the app\'s "retry now")', () => {
  test("during a resume in flight it lets the resume finish: its reply holds the only valid ticket", async () => {
    const auth = new FakeAuth();
    const tickets = new SharedTicketStore();
    const first = newClient(auth, tickets);
    await first.connect();
    await first.register("tab", "correct horse battery");
    first.close();
    auth.resumeDelayMs = 100;
    const client = newClient(auth, tickets);
    const outcome = new Promise<string>((resolve) => {
      client.on("signedIn", () => resolve("signed in"));
      client.on("signedOut", (reason) => resolve(reason));
    });
    auth.onResume = () => client.reconnect();
    void client.connect().catch(() => undefined);
    expect(await outcome).toBe("signed in");
    expect(auth.revoked.size).toBe(0);
    client.close();
  });

  test("while waiting to retry it skips the rest of the backoff", async () => {
    const auth = new FakeAuth();
    const opened = { count: 0 };
    let down = true;
    // Every backoff takes (nearly) its full minute: far longer than this test.
    const client = newClient(auth, new SharedTicketStore(), opened, {
      down: () => down,
      random: () => 0.999,
      initialDelayMs: 60_000,
    });
    void client.connect().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 30));
    expect(client.state).toBe("reconnecting");
    expect(opened.count).toBe(1);
    down = false;
    client.reconnect();
    await client.connect();
    expect(opened.count).toBe(2);
    client.close();
  });
});

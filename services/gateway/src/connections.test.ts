import { describe, expect, it } from "vitest";
import { CLOSE } from "@sealroom/proto/close-codes";
import { ConnectionSet, type Reservation, type TrackedConnection } from "./connections.js";

const config = {
  maxConnections: 3,
  maxConnectionsPerIp: 2,
  handshakeRatePerIp: 0.001,
  handshakeBurstPerIp: 3,
};

function fakeConn(ip: string) {
  const calls: string[] = [];
  const conn: TrackedConnection & { calls: string[] } = {
    ip,
    alive: true,
    calls,
    ping: () => calls.push("ping"),
    sendEvent: (type) => calls.push(`event ${type}`),
    close: (code) => calls.push(`close ${code}`),
    terminate: () => calls.push("terminate"),
  };
  return conn;
}

/** A reservation that passed: fails the test on a refusal. */
function reserved(set: ConnectionSet, ip: string): Reservation {
  const r = set.reserve(ip);
  if ("status" in r) throw new Error(`refused: ${r.reason}`);
  return r;
}

describe("ConnectionSet", () => {
  it("checks the per-address cap, then the handshake rate, then frees the address on delete", () => {
    const set = new ConnectionSet(config);
    const a = fakeConn("1.1.1.1");
    const b = fakeConn("1.1.1.1");
    set.add(a, reserved(set, "1.1.1.1"));
    set.add(b, reserved(set, "1.1.1.1"));
    expect(set.reserve("1.1.1.1")).toMatchObject({ status: 429, reason: "per_ip" });
    set.delete(a);
    set.delete(a); // a second close of the same connection frees nothing more
    expect(set.size).toBe(1);
    // The burst of 3 handshakes is spent by the third reservation; the refused one cost nothing.
    reserved(set, "1.1.1.1").release();
    set.delete(b);
    expect(set.reserve("1.1.1.1")).toMatchObject({ status: 429, reason: "handshake_rate" });
  });

  it("refuses everyone at the gateway's capacity", () => {
    const set = new ConnectionSet(config);
    for (const ip of ["1.1.1.1", "2.2.2.2", "3.3.3.3"]) set.add(fakeConn(ip), reserved(set, ip));
    expect(set.reserve("4.4.4.4")).toMatchObject({ status: 503, reason: "capacity" });
  });

  it("counts upgrades still in progress against the caps, and frees each reservation once", () => {
    const set = new ConnectionSet({ ...config, handshakeBurstPerIp: 100 });
    const pending = [reserved(set, "1.1.1.1"), reserved(set, "2.2.2.2"), reserved(set, "3.3.3.3")];
    // No connection is open yet, but three upgrades are under way: a fourth would overshoot.
    expect(set.reserve("4.4.4.4")).toMatchObject({ status: 503, reason: "capacity" });
    for (const r of pending) r.release();
    pending[0]!.release(); // an upgrade refused by ws: the socket's close, then nothing else
    const conn = fakeConn("1.1.1.1");
    const r = reserved(set, "1.1.1.1");
    set.add(conn, r);
    r.release(); // the socket closed first, then the connection
    set.delete(conn);
    // Released once each: all three slots are free again, and no more than three.
    for (const ip of ["1.1.1.1", "1.1.1.1", "2.2.2.2"]) reserved(set, ip);
    expect(set.reserve("2.2.2.2")).toMatchObject({ status: 503, reason: "capacity" });
  });

  it("pings live peers and closes those that missed the last ping", () => {
    const set = new ConnectionSet(config);
    const conn = fakeConn("1.1.1.1");
    set.add(conn, reserved(set, "1.1.1.1"));
    set.heartbeat();
    expect(conn.calls).toEqual(["ping"]);
    expect(conn.alive).toBe(false);
    set.heartbeat();
    expect(conn.calls).toEqual(["ping", `close ${CLOSE.HEARTBEAT_TIMEOUT}`]);
  });

  it("drains: tells every client, closes them, and ends as soon as they are gone", async () => {
    const set = new ConnectionSet(config);
    const conn = fakeConn("1.1.1.1");
    conn.close = (code) => {
      conn.calls.push(`close ${code}`);
      setTimeout(() => set.delete(conn), 5);
    };
    set.add(conn, reserved(set, "1.1.1.1"));
    await set.drain();
    expect(conn.calls).toEqual(["event gateway.draining.v1", `close ${CLOSE.GOING_AWAY}`]);
  });
});

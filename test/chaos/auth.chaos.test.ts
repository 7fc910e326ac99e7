/**
 * SIGKILL of the auth service while clients keep resuming their sessions with tickets (each
 * reconnect is a full handshake and an `auth.resume`). A resume whose reply was lost is retried with
 * the same ticket, which within the retry grace gets a fresh one (SECURITY.md, section 5). Pass: the system recovers, every user either resumes or signs in
 * again with the password, and the shared database passes its engine's integrity check (traffic.ts `integrityCheck`). Only
 * `npm run test:chaos` runs it.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { SqlDb } from "@sealroom/db/sql";
import { report } from "./support/figures.js";
import { NO_GATEWAY_LIMITS, sleep, startSystem, type System } from "./support/system.js";
import { integrityCheck, PASSWORD, signUpMany, type User } from "./support/traffic.js";

const USERS = 20;
const RUN_MS = 6000;

let system: System;
let db: SqlDb;
beforeAll(async () => {
  system = await startSystem({ env: NO_GATEWAY_LIMITS });
  db = system.sql();
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

test("SIGKILL of auth during a storm of ticket resumes: everyone is back, by ticket or by password; integrity ok", async () => {
  const users: User[] = await signUpMany(system, "res", USERS);
  let resumed = 0;
  const resumedAt: number[] = [];
  const signedOut = new Map<number, string>();
  for (const u of users) {
    u.client.on("signedIn", () => {
      resumed++;
      resumedAt.push(Date.now());
    });
    u.client.on("signedOut", (reason) => signedOut.set(u.id, reason));
  }
  const t0 = Date.now();
  let stop = false;
  const storm = Promise.all(
    users.map(async (u) => {
      while (!stop) {
        // Only a signed-in client reconnects: dropping a connection whose resume is still in flight
        // loses that reply, and with it the session (14 of 20 in a storm without any kill).
        if (!signedOut.has(u.id) && u.client.state === "ready") u.client.reconnect();
        await sleep(200 + Math.random() * 200);
      }
    }),
  );
  await sleep(RUN_MS / 3);
  const auth = system.services.auth;
  const killedAt = Date.now();
  await auth.kill();
  await sleep(200);
  await auth.start();
  const back = Date.now();
  await sleep((2 * RUN_MS) / 3);
  stop = true;
  await storm;
  const firstAfter = resumedAt.filter((t) => t > back).sort((a, b) => a - b)[0];

  // Everyone ends signed in: by their ticket, or (a session lost to a retried resume) by password.
  const deadline = Date.now() + 20_000;
  const relogged: number[] = [];
  for (const u of users) {
    while (u.client.state !== "ready" && !signedOut.has(u.id) && Date.now() < deadline) await sleep(50);
    if (signedOut.has(u.id)) {
      await u.client.connect();
      await u.client.login(u.name, PASSWORD);
      relogged.push(u.id);
    }
  }
  const ready = users.filter((u) => u.client.state === "ready").length;
  const errors: Record<string, number> = {};
  for (const code of ["UNAVAILABLE", "TIMEOUT", "AUTH_TICKET_INVALID", "AUTH_BUSY", "INTERNAL"]) {
    errors[code] = await system.metric(system.gateways[0]!, "sealroom_gateway_errors_total", { code });
  }
  const integrity = await integrityCheck(db);
  report({
    scenario: "auth SIGKILL during ticket resumes",
    sent: resumed + signedOut.size,
    acknowledged: resumed,
    lost: signedOut.size,
    duplicates: 0,
    gaps: 0,
    recoveryMs: [firstAfter === undefined ? NaN : firstAfter - killedAt],
    peakMiB: system.peaks(),
    extra: {
      users: USERS,
      "storm seconds": (Date.now() - t0) / 1000,
      "sessions lost (signed out), by reason": Object.fromEntries(
        [...new Set(signedOut.values())].map((r) => [r, [...signedOut.values()].filter((x) => x === r).length]),
      ),
      "signed in again with the password": relogged.length,
      "ready at the end": ready,
      "gateway error replies": errors,
      integrity_check: integrity,
    },
  });
  expect(integrity).toBe("ok");
  expect(firstAfter).toBeDefined();
  expect(ready).toBe(USERS);
  // A resume whose transaction committed in the instant before the kill is retried within the grace;
  // before consuming and issuing became one transaction, a kill cost 6 of 20 sessions, and before
  // the grace up to 2 of 20 could still be lost.
  expect(signedOut.size).toBe(0);
}, 120_000);

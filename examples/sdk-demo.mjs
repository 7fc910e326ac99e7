#!/usr/bin/env node
// Walks through the account lifecycle against a running Sealroom (npm start), with the Node SDK:
// register, log out, log in, drop the connection and resume with the ticket (no password),
// change the password, log out everywhere.
//
//   node examples/sdk-demo.mjs [ws://127.0.0.1:8080/ws]
//
// The server key is trusted on first use and recorded in ~/.sealroom/known_hosts
// (SEALROOM_KNOWN_HOSTS overrides the file; SEALROOM_PIN pins a fingerprint explicitly).
import { randomBytes } from "node:crypto";
import { createNodeClient } from "@sealroom/sdk/node";

const url = process.argv[2] ?? "ws://127.0.0.1:8080/ws";
const username = `demo_${randomBytes(3).toString("hex")}`;
const password = "correct horse battery staple";
const step = (text) => console.log(`- ${text}`);

const client = createNodeClient({
  urls: url,
  pin: process.env.SEALROOM_PIN,
  knownHostsFile: process.env.SEALROOM_KNOWN_HOSTS,
  onFirstUse: (host, fingerprint) => {
    step(`first contact with ${host}: trusting server key ${fingerprint}`);
    return true;
  },
});
client.on("state", (s) => console.log(`  [connection: ${s}]`));

try {
  await client.connect();
  const user = await client.register(username, password);
  step(`registered ${user.username} (id ${user.id})`);

  await client.logout();
  step("logged out");
  await client.connect();
  await client.login(username, password);
  step("logged in with the password");

  // Simulate a network drop: the SDK reconnects, runs a fresh handshake and resumes with its ticket.
  const resumed = new Promise((resolve) => client.on("signedIn", resolve));
  client.reconnect();
  await resumed;
  step(`reconnected and resumed the session with a single-use ticket as ${client.user?.username}`);

  await client.changePassword(password, `${password} 2`);
  step("changed the password (every other connection signed out)");

  await client.logout({ everywhere: true });
  step("logged out everywhere");
  console.log("ok");
} catch (err) {
  console.error(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  client.close();
}

// Per-message cost and sizes of @sealroom/e2e (ts-mls, ciphersuite 0x0001). A measurement, not a
// test: it asserts nothing about time. Run: npm run bench -w @sealroom/e2e
import { it } from "vitest";
import { Device, encodeContent, textContent, type CommitBundle, type Group } from "../src/index.js";

const MESSAGES = 300;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function groupOf(n: number): Promise<{ groups: Group[]; devices: Device[] }> {
  const devices: Device[] = [];
  for (let i = 0; i < n; i++) devices.push(await Device.create({ userId: i + 1, deviceId: `d${i}` }));
  const first = await devices[0]!.createGroup("group:1");
  const kps = [];
  for (const d of devices.slice(1)) kps.push((await d.createKeyPackages(1))[0]!.bytes);
  const groups = [first];
  if (kps.length > 0) {
    const add = await first.addMembers(kps);
    first.mergePendingCommit();
    for (const d of devices.slice(1)) groups.push(await d.joinFromWelcome(add.welcome!));
  }
  return { groups, devices };
}

it("e2e costs", async () => {
  const lines: string[] = [];
  const out = (s: string) => lines.push(s);

  const probe = await Device.create({ userId: 1, deviceId: "probe" });
  const [kp] = await probe.createKeyPackages(1);
  out(`KeyPackage: ${kp!.bytes.length} B`);

  // Per-message cost in a 3-device group: a 100-character text (one 256-byte padding bucket).
  const { groups } = await groupOf(3);
  const [a, b] = [groups[0]!, groups[1]!];
  const plain = encodeContent(textContent("x".repeat(100)));
  const enc: number[] = [];
  const dec: number[] = [];
  let size = 0;
  for (let i = 0; i < MESSAGES; i++) {
    let t = performance.now();
    const ct = await a.encrypt(plain);
    enc.push(performance.now() - t);
    size = ct.length;
    t = performance.now();
    await b.decrypt(ct);
    dec.push(performance.now() - t);
  }
  out(`application message (100-char text, 256 B bucket): ${size} B`);
  out(
    `encrypt: median ${median(enc).toFixed(2)} ms; decrypt: median ${median(dec).toFixed(2)} ms (${MESSAGES} messages)`,
  );

  for (const n of [2, 10, 50]) {
    const { groups: gs } = await groupOf(n);
    const g = gs[0]!;
    const newcomer = await Device.create({ userId: 10_000, deviceId: "new" });
    const [nkp] = await newcomer.createKeyPackages(1);
    let t = performance.now();
    const add = await g.addMembers([nkp!.bytes]);
    const addMs = performance.now() - t;
    g.discardPendingCommit();
    t = performance.now();
    const upd = await g.commitPending();
    const updMs = performance.now() - t;
    g.mergePendingCommit();
    t = performance.now();
    await gs[1]!.processMessage(upd.commit);
    const procMs = performance.now() - t;
    out(
      `group of ${n}: add-1 commit ${add.commit.length} B (${addMs.toFixed(1)} ms), Welcome ${add.welcome!.length} B, ` +
        `GroupInfo ${add.groupInfo.length} B; update commit ${upd.commit.length} B (create ${updMs.toFixed(1)} ms, process ${procMs.toFixed(1)} ms)`,
    );
  }
  console.log(`\n@sealroom/e2e bench (node ${process.version})\n${lines.join("\n")}\n`);
});

// What chat.mls.send carries, as the command's JSON (base64url fields; a command is at most
// 64 KiB): a device establishing a conversation's group with n-1 other devices at once (Add
// proposals with whole KeyPackages, a Welcome and a GroupInfo that both carry the tree), and then
// adding one more device to that n-device group.
it("Delivery Service bodies", async () => {
  const lines: string[] = [];
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");
  const command = (add: CommitBundle, deviceIds: string[]) =>
    JSON.stringify({
      t: "cmd",
      id: 2 ** 31,
      type: "chat.mls.send",
      body: {
        conversationId: "group:2147483647",
        clientMsgId: "x".repeat(32),
        message: b64(add.commit),
        groupInfo: b64(add.groupInfo),
        welcome: { message: b64(add.welcome!), deviceIds },
      },
    }).length;
  const device = (i: number) => Device.create({ userId: i + 1, deviceId: `device-${i}-abcdefghijklmn` });
  for (const n of [2, 10, 25, 40, 50, 75, 100]) {
    const devices: Device[] = [];
    for (let i = 0; i < n; i++) devices.push(await device(i));
    const group = await devices[0]!.createGroup("group:2147483647");
    const kps: Uint8Array[] = [];
    for (const d of devices.slice(1)) kps.push((await d.createKeyPackages(1))[0]!.bytes);
    const add = await group.addMembers(kps);
    const ids = devices.slice(1).map((d) => d.identity.deviceId);
    group.mergePendingCommit();
    const newcomer = await device(n);
    const one = await group.addMembers([(await newcomer.createKeyPackages(1))[0]!.bytes]);
    lines.push(
      `${n} devices: establishing commit ${add.commit.length} B, GroupInfo ${add.groupInfo.length} B, ` +
        `Welcome ${add.welcome!.length} B, command ${command(add, ids)} B; ` +
        `adding one more: command ${command(one, [newcomer.identity.deviceId])} B`,
    );
  }
  console.log(`\nchat.mls.send bodies (node ${process.version})\n${lines.join("\n")}\n`);
});

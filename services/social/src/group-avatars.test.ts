import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AVATAR_LIMITS, groupEventDataSchema } from "@sealroom/proto/social";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h.teardown());

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** `size` bytes that start like a PNG; the service checks only the magic bytes. */
function png(size = 200, fill = 7): string {
  const bytes = Buffer.alloc(size, fill);
  Buffer.from(PNG_MAGIC).copy(bytes);
  return bytes.toString("base64url");
}

const pictureOf = (viewer: number, groupId: number) => h.call("social.groups.avatar", { groupId }, viewer);
const notFound = { ok: false, error: { code: "NOT_FOUND" } };

describe("social.groups.setAvatar", () => {
  it("the owner sets a picture: a group change every member is told, readable by members and invitees only", async () => {
    const [owner, admin, member, invitee, stranger] = await h.users("o", "a", "m", "i", "s");
    const groupId = await h.group(owner!, { admins: [admin!], members: [member!] });
    await h.befriend(owner!, invitee!);
    await h.ok("social.groups.invite", { groupId, userId: invitee! }, owner!);
    const before = (await h.ok("social.groups.get", { groupId }, owner!)).group;
    expect(before.avatar).toBeNull();

    const data = png();
    const { group } = await h.ok("social.groups.setAvatar", { groupId, image: data }, owner!);
    expect(group.avatar).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(group.version).toBe(before.version + 1);
    const row = await h.db.groupAvatar.findUniqueOrThrow({ where: { groupId } });
    expect([row.mime, row.version, Buffer.from(row.data).toString("base64url")]).toEqual([
      "image/png",
      group.avatar,
      data,
    ]);
    const event = await h.db.groupEvent.findFirstOrThrow({ where: { groupId }, orderBy: { id: "desc" } });
    const ownerName = (await h.db.user.findUniqueOrThrow({ where: { id: owner! } })).username;
    expect([event.type, groupEventDataSchema.parse(JSON.parse(event.data)).actorName]).toEqual(["picture", ownerName]);

    await h.settle();
    for (const u of [owner, admin, member])
      expect(h.eventsOf(u!, "social.group.updated.v1").at(-1)).toMatchObject({
        group: { id: groupId, avatar: group.avatar },
        event: { type: "picture", actor: { id: owner } },
      });
    expect(h.eventsOf(stranger!, "social.group.updated.v1")).toEqual([]);
    expect((await h.ok("social.overview", {}, member!)).groups).toMatchObject([{ id: groupId, avatar: group.avatar }]);

    // The invitee's invitation names the picture: in the overview, and in one sent from now on.
    expect((await h.ok("social.overview", {}, invitee!)).invitations).toMatchObject([
      { group: { id: groupId, avatar: group.avatar } },
    ]);
    const [later] = await h.users("l");
    await h.befriend(owner!, later!);
    await h.ok("social.groups.invite", { groupId, userId: later! }, owner!);
    await h.settle();
    expect(h.eventsOf(later!, "social.invitation.received.v1")).toMatchObject([
      { invitation: { group: { id: groupId, avatar: group.avatar } } },
    ]);

    for (const viewer of [owner, admin, member, invitee])
      expect(await pictureOf(viewer!, groupId)).toEqual({
        ok: true,
        value: { avatar: { groupId, version: group.avatar, mime: "image/png", data } },
      });
    // A stranger, an unknown group and a group without a picture get the same answer.
    expect(await pictureOf(stranger!, groupId)).toMatchObject(notFound);
    expect(await pictureOf(owner!, 2_000_000_000)).toMatchObject(notFound);
    const bare = await h.group(owner!);
    expect(await pictureOf(owner!, bare)).toMatchObject(notFound);
  });

  it("the same picture again changes nothing; null removes it as a group change", async () => {
    const [owner, member] = await h.users("o", "m");
    const groupId = await h.group(owner!, { members: [member!] });
    const first = (await h.ok("social.groups.setAvatar", { groupId, image: png(300, 1) }, owner!)).group;
    const events = await h.db.groupEvent.count({ where: { groupId } });
    const again = (await h.ok("social.groups.setAvatar", { groupId, image: png(300, 1) }, owner!)).group;
    expect([again.avatar, again.version]).toEqual([first.avatar, first.version]);
    expect(await h.db.groupEvent.count({ where: { groupId } })).toBe(events);
    const second = (await h.ok("social.groups.setAvatar", { groupId, image: png(300, 2) }, owner!)).group;
    expect(second.avatar).not.toBe(first.avatar);
    expect((await h.ok("social.groups.avatar", { groupId }, member!)).avatar.version).toBe(second.avatar);

    const removed = (await h.ok("social.groups.setAvatar", { groupId, image: null }, owner!)).group;
    expect(removed.avatar).toBeNull();
    expect(await h.db.groupAvatar.count({ where: { groupId } })).toBe(0);
    expect(await pictureOf(member!, groupId)).toMatchObject(notFound);
    expect((await h.ok("social.groups.setAvatar", { groupId, image: null }, owner!)).group.version).toBe(
      removed.version,
    );
    await h.settle();
    expect(
      h
        .eventsOf(member!, "social.group.updated.v1")
        .slice(-3)
        .map((e) => [e.event.type, e.group.avatar]),
    ).toEqual([
      ["picture", first.avatar],
      ["picture", second.avatar],
      ["pictureRemoved", null],
    ]);
  });

  it("refuses admins, members and outsiders, bad images and disbanded groups, and keeps the picture", async () => {
    const [owner, admin, member, outsider] = await h.users("o", "a", "m", "x");
    const groupId = await h.group(owner!, { admins: [admin!], members: [member!] });
    const kept = (await h.ok("social.groups.setAvatar", { groupId, image: png() }, owner!)).group.avatar;
    const set = (actor: number, image: string | null) => h.fail("social.groups.setAvatar", { groupId, image }, actor);
    expect((await set(admin!, png(10))).code).toBe("FORBIDDEN");
    expect((await set(member!, null)).code).toBe("FORBIDDEN");
    expect((await set(outsider!, png(10))).code).toBe("NOT_FOUND");
    expect((await set(owner!, png(AVATAR_LIMITS.bytesMax + 1))).code).toBe("PAYLOAD_TOO_LARGE");
    expect((await set(owner!, Buffer.from("<svg/>").toString("base64url"))).code).toBe("BAD_REQUEST");
    expect((await set(owner!, "abc=")).code).toBe("BAD_REQUEST");
    await h.ok("social.groups.disband", { groupId }, owner!);
    expect((await set(owner!, null)).code).toBe("CONFLICT");
    expect((await h.db.group.findUniqueOrThrow({ where: { id: groupId } })).avatar).toBe(kept);
    // The members of a disbanded group still see it, as they still read its history.
    expect((await h.ok("social.groups.avatar", { groupId }, member!)).avatar.version).toBe(kept);
  });

  it("a departed member and an invitee whose invitation expired stop seeing it", async () => {
    const [owner, member, invitee] = await h.users("o", "m", "i");
    const groupId = await h.group(owner!, { members: [member!] });
    await h.befriend(owner!, invitee!);
    await h.ok("social.groups.invite", { groupId, userId: invitee! }, owner!);
    await h.ok("social.groups.setAvatar", { groupId, image: png() }, owner!);
    expect((await pictureOf(member!, groupId)).ok).toBe(true);
    expect((await pictureOf(invitee!, groupId)).ok).toBe(true);
    await h.ok("social.groups.leave", { groupId }, member!);
    expect(await pictureOf(member!, groupId)).toMatchObject(notFound);
    h.clock.advance(8 * 24 * 60 * 60 * 1000);
    expect(await pictureOf(invitee!, groupId)).toMatchObject(notFound);
  });
});

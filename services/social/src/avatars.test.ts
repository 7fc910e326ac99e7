import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AVATAR_LIMITS } from "@sealroom/proto/social";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h.teardown());

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
/** `size` bytes that start like the given type; the service checks only the magic bytes. */
function image(magic: number[], size = 200, fill = 7): string {
  const bytes = Buffer.alloc(size, fill);
  Buffer.from(magic).copy(bytes);
  return bytes.toString("base64url");
}
const png = (size?: number, fill?: number) => image(PNG_MAGIC, size, fill);
const webp = () => image([...ascii("RIFF"), 1, 2, 3, 4, ...ascii("WEBPVP8 ")]);

const avatarOf = (viewer: number, userId: number) => h.call("social.profiles.avatar", { userId }, viewer);
const versionSeenBy = async (viewer: number, userId: number) =>
  (await h.ok("social.profiles.get", { userIds: [userId] }, viewer)).profiles[0]?.avatar;

describe("social.profile.setAvatar", () => {
  it("stores a picture the profile audience reads, by version; strangers and blocked relations get NOT_FOUND", async () => {
    const [me, friend, fellow, stranger, blocked, blocker] = await h.users("av", "f", "m", "s", "b", "bb");
    await h.befriend(me!, friend!);
    await h.befriend(me!, blocker!);
    await h.group(me!, { members: [fellow!, blocked!, blocker!] });
    await h.ok("social.blocks.add", { userId: blocked }, me!);
    await h.ok("social.blocks.add", { userId: me }, blocker!);
    await h.settle();

    const data = png();
    const { profile } = await h.ok("social.profile.setAvatar", { image: data }, me!);
    expect(profile.avatar).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const row = await h.db.avatar.findUniqueOrThrow({ where: { userId: me! } });
    expect([row.mime, row.version, Buffer.from(row.data).toString("base64url")]).toEqual([
      "image/png",
      profile.avatar,
      data,
    ]);

    for (const viewer of [me, friend, fellow]) {
      expect(await versionSeenBy(viewer!, me!)).toBe(profile.avatar);
      expect(await avatarOf(viewer!, me!)).toEqual({
        ok: true,
        value: { avatar: { userId: me, version: profile.avatar, mime: "image/png", data } },
      });
    }
    for (const viewer of [stranger, blocked, blocker]) {
      expect(await versionSeenBy(viewer!, me!)).toBeNull();
      expect(await avatarOf(viewer!, me!)).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    }
    // The same answer for an unknown user and for one without a picture: nothing to tell them apart.
    expect(await avatarOf(friend!, 2_000_000_000)).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(await avatarOf(me!, friend!)).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });

    await h.settle();
    for (const u of [me, friend, fellow])
      expect(h.eventsOf(u!, "social.profile.updated.v1")).toMatchObject([{ profile: { avatar: profile.avatar } }]);
    for (const u of [stranger, blocked, blocker]) expect(h.eventsOf(u!, "social.profile.updated.v1")).toEqual([]);

    // The overview lists a friend whose profile has only a picture.
    expect((await h.ok("social.overview", {}, friend!)).profiles).toMatchObject([
      { user: { id: me }, displayName: null, avatar: profile.avatar },
    ]);
  });

  it("changes the version with the bytes, tells nobody when nothing changed, and removes with null", async () => {
    const [me, friend] = await h.users("ch", "f");
    await h.befriend(me!, friend!);
    const first = (await h.ok("social.profile.setAvatar", { image: png(300, 1) }, me!)).profile.avatar;
    const again = (await h.ok("social.profile.setAvatar", { image: png(300, 1) }, me!)).profile.avatar;
    const second = (await h.ok("social.profile.setAvatar", { image: webp() }, me!)).profile.avatar;
    expect(again).toBe(first);
    expect(second).not.toBe(first);
    const read = await h.ok("social.profiles.avatar", { userId: me! }, friend!);
    expect(read.avatar).toMatchObject({ version: second, mime: "image/webp" });
    await h.settle();
    expect(h.eventsOf(friend!, "social.profile.updated.v1").map((e) => e.profile.avatar)).toEqual([first, second]);

    expect((await h.ok("social.profile.setAvatar", { image: null }, me!)).profile.avatar).toBeNull();
    expect(await h.db.avatar.count({ where: { userId: me! } })).toBe(0);
    expect(await versionSeenBy(friend!, me!)).toBeNull();
    expect(await avatarOf(friend!, me!)).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    // Removing what is not there changes nothing and succeeds.
    expect((await h.ok("social.profile.setAvatar", { image: null }, me!)).profile.avatar).toBeNull();
    await h.settle();
    expect(h.eventsOf(friend!, "social.profile.updated.v1").map((e) => e.profile.avatar)).toEqual([
      first,
      second,
      null,
    ]);
  });

  it("takes the type from the magic bytes: PNG, JPEG, WebP and GIF", async () => {
    const [me] = await h.users("types");
    const cases: Array<[number[], string]> = [
      [PNG_MAGIC, "image/png"],
      [[0xff, 0xd8, 0xff, 0xe0], "image/jpeg"],
      [[...ascii("RIFF"), 9, 9, 9, 9, ...ascii("WEBP")], "image/webp"],
      [ascii("GIF89a"), "image/gif"],
      [ascii("GIF87a"), "image/gif"],
    ];
    for (const [magic, mime] of cases) {
      await h.ok("social.profile.setAvatar", { image: image(magic) }, me!);
      expect((await h.ok("social.profiles.avatar", { userId: me! }, me!)).avatar.mime).toBe(mime);
    }
  });

  it("accepts bytesMax bytes, refuses one more with PAYLOAD_TOO_LARGE, and keeps the picture it had", async () => {
    const [me] = await h.users("big");
    const kept = (await h.ok("social.profile.setAvatar", { image: png(AVATAR_LIMITS.bytesMax) }, me!)).profile.avatar;
    const over = await h.fail("social.profile.setAvatar", { image: png(AVATAR_LIMITS.bytesMax + 1) }, me!);
    expect(over).toMatchObject({ code: "PAYLOAD_TOO_LARGE", retryable: false });
    expect((await h.db.avatar.findUniqueOrThrow({ where: { userId: me! } })).version).toBe(kept);
  });

  it.each([
    [
      "no image type's magic bytes (an SVG)",
      Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>").toString("base64url"),
    ],
    ["a RIFF file that is not WebP", image([...ascii("RIFF"), 0, 0, 0, 0, ...ascii("WAVE")])],
    ["a truncated PNG signature", image(PNG_MAGIC.slice(0, 7), 7)],
    ["base64url that does not round-trip", "iVBORw0KGgoAAB"],
  ])("refuses %s with BAD_REQUEST and stores nothing", async (_what, data) => {
    const [me] = await h.users("bad");
    expect((await h.fail("social.profile.setAvatar", { image: data }, me!)).code).toBe("BAD_REQUEST");
    expect(await h.db.avatar.count({ where: { userId: me! } })).toBe(0);
  });

  it("refuses a body that is not base64url at the schema (BAD_REQUEST)", async () => {
    const [me] = await h.users("schema");
    for (const image of ["", "a+b/", "abc="])
      expect((await h.fail("social.profile.setAvatar", { image }, me!)).code).toBe("BAD_REQUEST");
  });

  it("fetching pictures has its own budget: a spent search budget does not stop it, its burst does", async () => {
    const [me, friend] = await h.users("avb", "fb");
    await h.befriend(me!, friend!);
    await h.ok("social.profile.setAvatar", { image: png() }, friend!);
    const lookups = await Promise.all(
      Array.from({ length: 21 }, () => h.call("social.profiles.get", { userIds: [friend!] }, me!)),
    );
    expect(lookups.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual(["RATE_LIMITED"]);
    const reads = await Promise.all(Array.from({ length: 201 }, () => avatarOf(me!, friend!)));
    expect(reads.filter((r) => r.ok)).toHaveLength(200); // config avatarReadsBurst
    const refused = reads.find((r) => !r.ok);
    expect(refused && !refused.ok && refused.error.code).toBe("RATE_LIMITED");
  });

  it("a departed member stops seeing the picture", async () => {
    const [owner, member] = await h.users("o", "m");
    const groupId = await h.group(owner!, { members: [member!] });
    await h.ok("social.profile.setAvatar", { image: png() }, owner!);
    expect((await avatarOf(member!, owner!)).ok).toBe(true);
    await h.ok("social.groups.leave", { groupId }, member!);
    expect(await avatarOf(member!, owner!)).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });

  it("a deleted user's picture goes with them (cascade)", async () => {
    const [me] = await h.users("gone");
    await h.ok("social.profile.setAvatar", { image: png() }, me!);
    await h.db.user.delete({ where: { id: me! } });
    expect(await h.db.avatar.count({ where: { userId: me! } })).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { utf8 } from "./bytes.js";
import { E2eError } from "./errors.js";
import { groupIdFor, parseGroupId } from "./group-id.js";
import { authenticationService, fingerprint, memberCredential, parseMemberCredential } from "./identity.js";

describe("credentials and group ids", () => {
  it("encodes a member credential as sealroom:1:<userId>:<deviceId> and reads it back", () => {
    const c = memberCredential({ userId: 42, deviceId: "Xk3p9QbT2mWv" });
    expect(c.credentialType === "basic" && new TextDecoder().decode(c.identity)).toBe("sealroom:1:42:Xk3p9QbT2mWv");
    expect(parseMemberCredential(c)).toEqual({ userId: 42, deviceId: "Xk3p9QbT2mWv" });
  });

  it("refuses ids outside the encoding", () => {
    for (const id of [
      { userId: 0, deviceId: "a" },
      { userId: 2 ** 31, deviceId: "a" },
      { userId: 1.5, deviceId: "a" },
      { userId: 1, deviceId: "" },
      { userId: 1, deviceId: "a:b" },
      { userId: 1, deviceId: "x".repeat(65) },
    ]) {
      expect(() => memberCredential(id)).toThrow(E2eError);
    }
    for (const text of ["sealroom:1:01:a", "sealroom:1:1:a:b", "sealroom:2:1:a", "sealroom:1:1:", "x"]) {
      expect(parseMemberCredential({ credentialType: "basic", identity: utf8(text) })).toBeUndefined();
    }
  });

  it("the authentication service accepts members and the server, nothing else", async () => {
    const auth = authenticationService();
    const key = new Uint8Array(32);
    expect(await auth.validateCredential(memberCredential({ userId: 1, deviceId: "a" }), key)).toBe(true);
    const server = { credentialType: "basic" as const, identity: utf8("sealroom:server") };
    expect(await auth.validateCredential(server, key)).toBe(true);
    const other = { credentialType: "basic" as const, identity: utf8("alice") };
    expect(await auth.validateCredential(other, key)).toBe(false);
  });

  it("derives group ids from conversation ids", () => {
    expect(new TextDecoder().decode(groupIdFor("group:12"))).toBe("sealroom:1:group:12:0");
    expect(parseGroupId(groupIdFor("dm:3:7", 2))).toEqual({ conversationId: "dm:3:7", generation: 2 });
    expect(() => groupIdFor("room:1")).toThrow();
    expect(parseGroupId(utf8("sealroom:1:room:1:0"))).toBeUndefined();
  });

  it("formats a fingerprint as 8 groups of 4 hex digits", async () => {
    const fp = await fingerprint(new Uint8Array(32));
    expect(fp).toMatch(/^([0-9a-f]{4} ){7}[0-9a-f]{4}$/);
    expect(fp).toBe("66687aad f862bd77 6c8fc18b 8e9f8e20".replace(/(\w{4})(\w{4})/g, "$1 $2"));
  });
});

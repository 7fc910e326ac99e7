import { describe, expect, it } from "vitest";
import { addressKey } from "./address.js";

describe("addressKey", () => {
  it("keeps IPv4 addresses", () => {
    expect(addressKey("10.0.0.1")).toBe("10.0.0.1");
  });

  it("groups IPv6 addresses by /64", () => {
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:DB8:1:2::99")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });

  it("unwraps IPv4-mapped IPv6", () => {
    expect(addressKey("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(addressKey("::ffff:a00:1")).toBe("10.0.0.1");
  });

  it("uses anything else verbatim", () => {
    expect(addressKey("Unknown")).toBe("unknown");
    expect(addressKey("")).toBe("");
  });
});

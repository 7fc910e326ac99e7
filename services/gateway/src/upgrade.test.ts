import { describe, expect, it } from "vitest";
import { clientIp } from "./upgrade.js";

const req = (peer: string | undefined, xff?: string) => ({
  socket: { remoteAddress: peer },
  headers: xff === undefined ? {} : { "x-forwarded-for": xff },
});

describe("clientIp", () => {
  it("is the peer unless the peer is a trusted proxy", () => {
    expect(clientIp(req("203.0.113.9", "198.51.100.1"), [])).toBe("203.0.113.9");
    expect(clientIp(req(undefined), [])).toBe("unknown");
  });

  it("behind trusted proxies, is the nearest hop that is not one of them", () => {
    const proxies = ["10.0.0.1", "10.0.0.2"];
    expect(clientIp(req("10.0.0.1", "198.51.100.1"), proxies)).toBe("198.51.100.1");
    // The client wrote the first hop itself: only what the proxies appended counts.
    expect(clientIp(req("10.0.0.1", "1.2.3.4, 198.51.100.1, 10.0.0.2"), proxies)).toBe("198.51.100.1");
    expect(clientIp(req("10.0.0.1", " , "), proxies)).toBe("10.0.0.1");
    expect(clientIp(req("10.0.0.1"), proxies)).toBe("10.0.0.1");
  });
});

/** The allowed browser origins the gateway derives when ALLOWED_ORIGINS is unset, and its validation. */
import { describe, expect, test } from "vitest";
import { gatewayEnvSchema } from "./env.js";
import { listenOrigins, originPolicy } from "./origins.js";

describe("allowed origins", () => {
  test("a loopback listen address allows itself and localhost, http only, at its port", () => {
    const allowed = originPolicy(listenOrigins("127.0.0.1", 8080));
    expect(allowed("http://127.0.0.1:8080")).toBe(true);
    expect(allowed("http://localhost:8080")).toBe(true);
    expect(allowed("http://LOCALHOST:8080")).toBe(true);
    for (const origin of [
      "https://127.0.0.1:8080",
      "http://127.0.0.1:8081",
      "http://evil.example:8080",
      "null",
      "garbage",
    ]) {
      expect(allowed(origin), origin).toBe(false);
    }
  });

  test("a wildcard bind allows the machine's own addresses, never an arbitrary name", () => {
    const allowed = originPolicy(listenOrigins("0.0.0.0", 8080));
    expect(allowed("http://localhost:8080")).toBe(true);
    expect(allowed("http://127.0.0.1:8080")).toBe(true);
    expect(allowed("http://evil.example:8080")).toBe(false);
  });

  test("no Origin (not a browser) passes; ALLOWED_ORIGINS must be origins", () => {
    expect(originPolicy([])(undefined)).toBe(true);
    expect(
      gatewayEnvSchema.safeParse({ ALLOWED_ORIGINS: "https://chat.example.org,http://localhost:5173" }).success,
    ).toBe(true);
    expect(gatewayEnvSchema.safeParse({ ALLOWED_ORIGINS: "chat.example.org" }).success).toBe(false);
    expect(gatewayEnvSchema.safeParse({ ALLOWED_ORIGINS: "ftp://chat.example.org" }).success).toBe(false);
  });
});

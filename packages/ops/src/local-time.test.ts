import { describe, expect, test } from "vitest";
import { checkTimeZone, parseLocalTime } from "./local-time.js";

const iso = (text: string, zone: string) => {
  const ms = parseLocalTime(text, zone);
  return ms === undefined ? undefined : new Date(ms).toISOString();
};

describe("parseLocalTime", () => {
  test("reads the original's 'YYYY-MM-DD HH:MM:SS' with the zone's offset at that moment", () => {
    expect(iso("2024-01-15 12:00:00", "Europe/Berlin")).toBe("2024-01-15T11:00:00.000Z");
    expect(iso("2024-07-15 12:00:00", "Europe/Berlin")).toBe("2024-07-15T10:00:00.000Z");
    expect(iso("2024-07-15 12:00:00", "UTC")).toBe("2024-07-15T12:00:00.000Z");
    expect(iso("2024-07-15 12:00:00", "America/New_York")).toBe("2024-07-15T16:00:00.000Z");
    expect(iso("2024-07-15 12:00:00.25", "UTC")).toBe("2024-07-15T12:00:00.250Z");
  });

  test("a repeated hour is its first occurrence; a skipped one takes the offset from before", () => {
    // Clocks went back from 03:00 to 02:00 on 2024-10-27 in Berlin, forward from 02:00 to 03:00 on 2024-03-31.
    expect(iso("2024-10-27 02:30:00", "Europe/Berlin")).toBe("2024-10-27T00:30:00.000Z");
    expect(iso("2024-10-27 03:30:00", "Europe/Berlin")).toBe("2024-10-27T02:30:00.000Z");
    expect(iso("2024-03-31 02:30:00", "Europe/Berlin")).toBe("2024-03-31T01:30:00.000Z");
    expect(iso("2024-03-31 03:30:00", "Europe/Berlin")).toBe("2024-03-31T01:30:00.000Z");
  });

  test("anything else is not a time", () => {
    for (const text of ["yesterday", "", "2024-02-30 10:00:00", "2024-01-01 24:00:00", "2024-01-01", "1700000000"])
      expect(parseLocalTime(text, "UTC")).toBeUndefined();
  });

  test("an unknown zone is refused by name", () => {
    expect(() => checkTimeZone("Mars/Olympus")).toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(checkTimeZone("UTC")).toBe("UTC");
  });
});

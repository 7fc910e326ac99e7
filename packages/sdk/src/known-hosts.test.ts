import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KnownHostsFile } from "./node.js";

describe("KnownHostsFile", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "known-hosts-"));
    file = path.join(dir, "sub", "known_hosts");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("knows nothing before the file exists, then what it appended", () => {
    const hosts = new KnownHostsFile(file);
    expect(hosts.get("a:1")).toBeUndefined();
    hosts.set("a:1", "aa");
    hosts.set("b:2", "bb");
    expect(hosts.get("a:1")).toBe("aa");
    expect(hosts.get("b:2")).toBe("bb");
    expect(readFileSync(file, "utf8")).toBe("a:1 aa\nb:2 bb\n");
  });

  it("takes the first line for a host", () => {
    const hosts = new KnownHostsFile(file);
    hosts.set("a:1", "first");
    hosts.set("a:1", "second");
    expect(hosts.get("a:1")).toBe("first");
  });

  it("sees an edit made by someone else after it has read the file", () => {
    const hosts = new KnownHostsFile(file);
    hosts.set("a:1", "old");
    hosts.set("b:2", "bb");
    expect(hosts.get("a:1")).toBe("old");
    // The user deletes the line for a:1 (as describe() tells them to), shrinking the file.
    writeFileSync(file, "b:2 bb\n");
    expect(hosts.get("a:1")).toBeUndefined();
    // Another process appends a pin for a host this one has not seen.
    writeFileSync(file, "b:2 bb\nc:3 cc\n");
    expect(hosts.get("c:3")).toBe("cc");
    rmSync(file);
    expect(hosts.get("b:2")).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { mergeConfig } from "./merge-config.js";

interface Config {
  timeoutMs: number;
  rate: { perSec: number; burst: number };
  limit: { perSec: number; burst: number } | null;
  origins: string[];
  nested: { a: { b: number; c: number } };
}

const defaults: Config = {
  timeoutMs: 5000,
  rate: { perSec: 20, burst: 60 },
  limit: null,
  origins: ["https://a.example"],
  nested: { a: { b: 1, c: 2 } },
};

describe("mergeConfig", () => {
  it("without a partial, equals the defaults but shares no object with them", () => {
    const config = mergeConfig(defaults);
    expect(config).toEqual(defaults);
    expect(config.rate).not.toBe(defaults.rate);
    expect(config.nested.a).not.toBe(defaults.nested.a);
  });

  it("merges plain objects field by field, at any depth", () => {
    expect(mergeConfig(defaults, { rate: { burst: 5 }, nested: { a: { c: 9 } } })).toEqual({
      ...defaults,
      rate: { perSec: 20, burst: 5 },
      nested: { a: { b: 1, c: 9 } },
    });
  });

  it("an undefined field keeps the default; 0, null, arrays and objects over null replace it", () => {
    const config = mergeConfig(defaults, {
      timeoutMs: undefined,
      rate: { perSec: 0, burst: undefined },
      limit: { perSec: 1, burst: 2 },
      origins: [],
    });
    expect(config).toEqual({
      ...defaults,
      rate: { perSec: 0, burst: 60 },
      limit: { perSec: 1, burst: 2 },
      origins: [],
    });
    expect(mergeConfig<Config>({ ...defaults, limit: { perSec: 1, burst: 2 } }, { limit: null }).limit).toBeNull();
  });

  it("changing the result leaves the defaults alone", () => {
    const config = mergeConfig(defaults, {});
    config.rate.perSec = 99;
    config.nested.a.b = 99;
    expect(defaults.rate.perSec).toBe(20);
    expect(defaults.nested.a.b).toBe(1);
  });
});

import { isIPv4, isIPv6 } from "node:net";

/**
 * The throttle key of a source address. IPv4 as is; IPv6 by its /64 prefix, because one subscriber
 * usually holds a whole /64 and could otherwise rotate through 2^64 addresses; IPv4-mapped IPv6 as
 * the IPv4 address. Anything unparsable is used verbatim (lower-cased).
 */
export function addressKey(ip: string): string {
  const addr = ip.trim().toLowerCase().split("%")[0] ?? "";
  if (isIPv4(addr) || !isIPv6(addr)) return addr;
  const groups = expandIPv6(addr);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address. */
function expandIPv6(addr: string): number[] {
  let text = addr;
  // A trailing embedded IPv4 (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16));
}

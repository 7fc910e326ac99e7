/**
 * Which browser origins may open /ws. The Host header cannot decide it: after DNS rebinding a
 * hostile page at evil.example talks to the gateway with `Host: evil.example` and a matching
 * Origin. So the allowed origins are fixed at start: ALLOWED_ORIGINS, or else the addresses the
 * gateway listens on, always compared with scheme, host and port.
 */
import os from "node:os";

/** `scheme://host[:port]` as browsers send it (lowercase host, default port omitted), or undefined. */
export function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

const WILDCARDS = new Set(["", "0.0.0.0", "::", "[::]"]);
const isLoopback = (host: string) => host === "localhost" || host === "::1" || /^127\./.test(host);
const bracket = (host: string) => (host.includes(":") ? `[${host}]` : host);

/**
 * The gateway's own origins when it listens on `host`:`port` (plain http: it does no TLS itself).
 * A wildcard bind means every interface address; a loopback address also means `localhost`.
 */
export function listenOrigins(host: string, port: number): string[] {
  let hosts: string[];
  if (WILDCARDS.has(host)) {
    const ipv6 = host !== "0.0.0.0";
    hosts = ["localhost", "127.0.0.1", ...(ipv6 ? ["::1"] : [])];
    for (const addrs of Object.values(os.networkInterfaces())) {
      for (const a of addrs ?? []) if (ipv6 || a.family === "IPv4") hosts.push(a.address.split("%")[0]!);
    }
  } else {
    hosts = [host.replace(/^\[|\]$/g, "")];
    if (isLoopback(hosts[0]!)) hosts.push("localhost", "127.0.0.1", "::1");
  }
  const origins = hosts.map((h) => normalizeOrigin(`http://${bracket(h)}:${port}`));
  return [...new Set(origins.filter((o): o is string => o !== undefined))];
}

/** A check of a request's Origin header: absent (not a browser) passes, anything else must be listed. */
export function originPolicy(allowed: readonly string[]): (origin: string | undefined) => boolean {
  const set = new Set(allowed.map((o) => normalizeOrigin(o)).filter((o): o is string => o !== undefined));
  return (origin) => {
    if (origin === undefined) return true; // not a browser; authentication is in-channel anyway
    const normalized = normalizeOrigin(origin);
    return normalized !== undefined && set.has(normalized);
  };
}

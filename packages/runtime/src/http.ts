import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** A small HTTP server with GET /healthz and GET /metrics, for services that have no other HTTP. */
export async function startOpsServer(opts: {
  port: number;
  /** Default all interfaces: in a container the healthcheck and the scraper come from outside. */
  host?: string;
  registry: Registry;
  healthy: () => boolean;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/healthz") {
      const up = opts.healthy();
      res.writeHead(up ? 200 : 503, { "content-type": "text/plain" }).end(up ? "ok\n" : "unavailable\n");
    } else if (req.method === "GET" && req.url === "/metrics") {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": opts.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host ?? "0.0.0.0", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

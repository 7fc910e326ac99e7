/**
 * The gateway's public HTTP side: the web app, /healthz and /server-key. /metrics is not here: it
 * is for operators, on the ops port (HTTP_PORT, runtime's startOpsServer), like the services'.
 */
import { existsSync } from "node:fs";
import type http from "node:http";
import sirv from "sirv";
import type { ServerKey } from "@sealroom/proto/session";
import { formatFingerprint, toHex } from "@sealroom/proto/session";

// img-src and media-src blob:: attachments' images and videos, decrypted on the device into object
// URLs (only the page's own script can make one); data: images are the thumbnails inside messages.
// 'wasm-unsafe-eval': the recovery passphrase's argon2id runs as WebAssembly (hash-wasm); it lets
// the page's own scripts compile WebAssembly, and still refuses eval and inline scripts.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; " +
    // The installable app: its service worker (/sw.js) and web app manifest, from this origin only.
    "worker-src 'self'; manifest-src 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export interface HttpDeps {
  webDir: string;
  serverKey: ServerKey;
  healthy: () => boolean;
}

export function createRequestHandler(deps: HttpDeps): http.RequestListener {
  const serverKeyJson = JSON.stringify({
    keyId: toHex(deps.serverKey.keyId),
    fingerprint: formatFingerprint(deps.serverKey.keyId),
    spki: Buffer.from(deps.serverKey.spki).toString("base64"),
  });
  const web = existsSync(deps.webDir)
    ? sirv(deps.webDir, {
        single: true,
        etag: true,
        setHeaders: (res, pathname) => {
          for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
          if (pathname.startsWith("/assets/")) res.setHeader("cache-control", "public, max-age=31536000, immutable");
          // Everything else (index.html, /sw.js, the manifest, icons) revalidates on every load:
          // a new deploy's service worker must be found at once, so the app shell can be replaced.
          else res.setHeader("cache-control", "no-cache");
        },
      })
    : undefined;

  return (req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    // HEAD as GET (Node sends no body for HEAD): a monitor's HEAD /healthz must not get the web page.
    const read = req.method === "GET" || req.method === "HEAD";
    if (read && url === "/healthz") {
      const up = deps.healthy();
      res.writeHead(up ? 200 : 503, { "content-type": "text/plain" }).end(up ? "ok\n" : "unavailable\n");
      return;
    }
    if (url === "/metrics") {
      // Not the web page either: a scraper pointed here learns where to go.
      res.writeHead(404, { "content-type": "text/plain" }).end("not here: /metrics is on the ops port (HTTP_PORT)\n");
      return;
    }
    if (read && url === "/server-key") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache" }).end(serverKeyJson);
      return;
    }
    if (read && web) {
      web(req, res, () => {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      });
      return;
    }
    res
      .writeHead(404, { "content-type": "text/plain" })
      .end(web ? "not found\n" : "The web app is not built (npm run build).\n");
  };
}

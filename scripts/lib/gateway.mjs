// Talking to the gateway over HTTP while `npm start` waits for it.

/** The URL a browser should open: a wildcard bind address is reachable on loopback. */
export function publicUrl(host, port) {
  const h = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls GET /healthz until it answers 200; gives up after `timeoutMs` or when `aborted()`. */
export async function waitForHealthy(baseUrl, { timeoutMs = 30_000, aborted = () => false } = {}) {
  const until = Date.now() + timeoutMs;
  while (!aborted()) {
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`no answer from ${baseUrl}/healthz within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
  return false;
}

/** GET /server-key: `{ keyId, fingerprint, spki }`, checked before it is shown to the user. */
export async function fetchServerKey(baseUrl) {
  const res = await fetch(`${baseUrl}/server-key`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`GET /server-key answered ${res.status}`);
  const key = await res.json();
  if (typeof key?.keyId !== "string" || !/^[0-9a-f]{64}$/.test(key.keyId) || typeof key.fingerprint !== "string") {
    throw new Error("GET /server-key returned an unexpected body");
  }
  return key;
}

/**
 * Registers the service worker that vite-plugin-pwa builds (dist/sw.js): it precaches the app
 * shell so the app opens without the network. Registered from here, not by an injected inline
 * script, because the gateway's CSP forbids inline scripts. In `vite dev` the module is a no-op.
 */
import { registerSW } from "virtual:pwa-register";
import { AppUpdate } from "./app-update.js";

export function registerAppShell(): AppUpdate {
  const update = new AppUpdate();
  if (!("serviceWorker" in navigator)) return update; // not a secure context, or an old browser
  const apply = registerSW({
    onNeedRefresh: () => update.markReady(),
    onOfflineReady: () => update.markOfflineReady(),
  });
  update.setApply(() => apply(true));
  return update;
}

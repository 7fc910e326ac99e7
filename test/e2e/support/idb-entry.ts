// Bundled for the browser by idb-state-store.e2e.test.ts: the store under test, on the page's global.
import { IdbE2eStateStore } from "@sealroom/sdk/browser";

Object.assign(globalThis, { IdbE2eStateStore });

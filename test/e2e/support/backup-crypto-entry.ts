// Bundled for the browser by backup-crypto.e2e.test.ts: the history backup's cryptography on the page's global.
import * as approval from "../../../packages/sdk/src/backup/approval-crypto.js";
import * as backup from "../../../packages/sdk/src/backup/crypto.js";

Object.assign(globalThis, { backupCrypto: { ...backup, ...approval } });

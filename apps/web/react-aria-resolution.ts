/**
 * React Aria's packages list TypeScript sources under the "source" export condition, the one the
 * workspace packages use so the app and its tests build the SDK from source (vite.config.ts,
 * test/support/vitest-shared.ts), but they do not publish those sources: resolved by that
 * condition, every import of them fails. These aliases send them to their published ES modules,
 * where the "import" condition would.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

const modules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../node_modules");

export const reactAriaAliases = [
  {
    find: /^(react-aria|react-stately|react-aria-components)$/,
    replacement: path.join(modules, "$1/dist/exports/index.mjs"),
  },
  {
    find: /^(react-aria|react-stately|react-aria-components)\/(.+)$/,
    replacement: path.join(modules, "$1/dist/exports/$2.mjs"),
  },
];

import { createHash } from "node:crypto";

/** The shared clock shape (packages/runtime), under the name this service's modules import. */
export { systemClock, type Clock } from "@sealroom/runtime";

/** A short, stable label for logs of a random value (session ids): nothing to guess behind it. */
export function fingerprint(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 12);
}

import type { z } from "zod";
import type { ServiceName } from "./subjects.js";

/** One client command: who answers it, when it is allowed, and the shapes of its body and value. */
export interface CommandSpec {
  /** The service whose queue group answers `cmd.<type>`; the type starts with `<service>.`. */
  service: ServiceName;
  /** `anonymous`: only before sign-in. `user`: only after. */
  access: "anonymous" | "user";
  body: z.ZodType;
  value: z.ZodType;
  /** A successful reply signs the connection in (the value is a SessionGrant). */
  authenticates?: true;
  /**
   * Moves bulk bytes (an attachment chunk): the gateway counts it against the connection's bulk
   * budget, not its command budget, so a large upload neither starves nor is starved by chat.
   */
  bulk?: true;
}

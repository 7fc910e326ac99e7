import { CLOSE } from "../close-codes.js";

/** A session-layer failure; the connection must be closed with `closeCode`. */
export class SessionError extends Error {
  constructor(
    readonly closeCode: (typeof CLOSE)[keyof typeof CLOSE],
    message: string,
  ) {
    super(message);
    this.name = "SessionError";
  }
}

export const handshakeFailed = (why: string) => new SessionError(CLOSE.HANDSHAKE_FAILED, why);
export const decryptFailed = (why: string) => new SessionError(CLOSE.DECRYPT_FAILED, why);

/**
 * Why an end-to-end operation failed. A caller branches on `code`, never on the message:
 * - `stale_epoch`: a commit or proposal for an epoch this device has already left (another commit
 *   won the race at the Delivery Service); drop it, or, if it was ours, catch up and retry.
 * - `future_epoch`: a message for an epoch this device has not reached yet: catch up on the
 *   conversation log first (or, for a removed device, it never will).
 * - `wrong_group`: the message belongs to another MLS group.
 * - `not_member`: this device is no longer in the group (it was removed).
 * - `identity_mismatch`: a credential does not name the user and device the caller expected.
 * - `no_key_package`: a Welcome for none of this device's KeyPackages.
 * - `check_unavailable`: the device check (DeviceOptions.checkDevice: the key directory) failed to
 *   answer, which says nothing about the leaf; nothing changed: try the same message again later.
 * - `invalid_message`: malformed bytes, a bad signature or tag, or a message the group refuses.
 * - `invalid_content`: decrypted bytes that are not a valid content envelope.
 * - `invalid_state`: persisted bytes that cannot be read back.
 * - `invalid_attachment`: an attachment's key, chunk index or chunk size is out of its bounds.
 * - `attachment_corrupt`: a downloaded attachment chunk failed its tag or length, or the whole
 *   ciphertext failed its SHA-256: changed, reordered, truncated or not this file.
 */
export type E2eErrorCode =
  | "stale_epoch"
  | "future_epoch"
  | "wrong_group"
  | "not_member"
  | "identity_mismatch"
  | "no_key_package"
  | "check_unavailable"
  | "invalid_message"
  | "invalid_content"
  | "invalid_state"
  | "invalid_attachment"
  | "attachment_corrupt";

export class E2eError extends Error {
  override readonly name = "E2eError";
  constructor(
    readonly code: E2eErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

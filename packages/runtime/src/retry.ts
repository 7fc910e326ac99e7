/**
 * The retry policy lives in @sealroom/db (isRetryable, backoffMs, withRetry: one place for SQLite's
 * BUSY and PostgreSQL's serialization failures and deadlocks). Re-exported here for the code that
 * still imports it from the runtime; `isBusy` is the old name of `isRetryable`.
 */
export {
  backoffMs,
  isRetryable,
  isRetryable as isBusy,
  withRetry,
  type Backoff,
  type RetryOptions,
} from "@sealroom/db/retry";

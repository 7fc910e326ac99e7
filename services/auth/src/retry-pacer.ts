/** The bounds of AUTH_BUSY's `retryAfterMs`. */
export const RETRY_HINT_MIN_MS = 250;
export const RETRY_HINT_MAX_MS = 30_000;

export const clampHint = (ms: number) => Math.round(Math.min(RETRY_HINT_MAX_MS, Math.max(RETRY_HINT_MIN_MS, ms)));

/**
 * When each refused sign-in should come back. Telling every client of a storm "in a few seconds"
 * brings them back together, to be refused together again. Instead a refusal is given the first
 * moment after the requests already queued are through (`backlogMs`) that no earlier refusal was
 * given, the moments one `spacingMs` apart (a hash's time over the slots: how often a place frees),
 * so the refused return about as fast as places free up. Past the maximum everyone gets the
 * maximum, and the clients' own jitter spreads them.
 */
export class RetryPacer {
  private nextAt = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Milliseconds to tell the next refused request to wait; that moment is then taken. */
  next(spacingMs: number, backlogMs: number): number {
    const now = this.now();
    const hint = clampHint(Math.max(this.nextAt - now, backlogMs));
    this.nextAt = now + hint + spacingMs;
    return hint;
  }
}

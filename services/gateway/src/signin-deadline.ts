/**
 * When a connection that has not signed in is closed (4004). Two clocks, both from accept:
 * - the idle clock (`idleMs`, HANDSHAKE_TIMEOUT_MS) covers the handshake and any time without a
 *   sign-in command at auth. It stops while one is in flight there, and starts again at a full
 *   period, plus the wait auth's answer asked for (`retryAfterMs`), when auth answers that it is
 *   busy: a client queueing for a hash in a login storm is making progress, and closing it would
 *   only make it reconnect (a new handshake, RSA) and send the login again. Any other answer (wrong password, throttled) lets the clock run on from where
 *   it stopped.
 * - the total clock (`maxMs`, SIGN_IN_MAX_MS) does not stop, so no socket stays anonymous for
 *   longer, whatever it sends.
 */
export class SignInDeadline {
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly totalTimer: NodeJS.Timeout;
  private idleLeftMs: number;
  private idleFrom = 0;
  private signInsInFlight = 0;
  private stopped = false;

  constructor(
    private readonly idleMs: number,
    maxMs: number,
    private readonly expire: () => void,
  ) {
    this.idleLeftMs = idleMs;
    this.totalTimer = setTimeout(expire, maxMs);
    this.runIdleClock();
  }

  /** A sign-in command was forwarded to auth. */
  signInSent(): void {
    if (this.stopped || this.signInsInFlight++ > 0) return;
    clearTimeout(this.idleTimer);
    this.idleLeftMs -= performance.now() - this.idleFrom;
  }

  /**
   * Its answer arrived. `busyWaitMs` is set when auth had no room for it yet (AUTH_BUSY, or no
   * answer in time): how long the client was told to wait before trying again (0 without a hint).
   */
  signInAnswered(busyWaitMs?: number): void {
    if (this.stopped) return;
    if (busyWaitMs !== undefined) this.idleLeftMs = this.idleMs + busyWaitMs;
    if (--this.signInsInFlight === 0) this.runIdleClock();
  }

  /** Signed in, or closed. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.totalTimer);
  }

  private runIdleClock(): void {
    this.idleFrom = performance.now();
    this.idleTimer = setTimeout(this.expire, Math.max(0, this.idleLeftMs));
  }
}

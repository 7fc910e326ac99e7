/**
 * The installed app's update state: a new deploy's service worker has installed and waits, and the
 * page offers to reload into it. Plain TypeScript with an external-store interface (like the
 * session controller), so the prompt is testable without a service worker.
 */
export interface AppUpdateSnapshot {
  /** A new version is installed and waits for a reload. */
  ready: boolean;
  /** The app shell is cached: a reload without the network still opens the app. */
  offlineReady: boolean;
}

export class AppUpdate {
  private snapshot: AppUpdateSnapshot = { ready: false, offlineReady: false };
  private readonly listeners = new Set<() => void>();
  private apply: (() => Promise<void>) | undefined;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): AppUpdateSnapshot => this.snapshot;

  /** How to switch to the waiting version (activate it, then reload the page). */
  setApply(apply: () => Promise<void>): void {
    this.apply = apply;
  }

  markReady(): void {
    this.set({ ready: true });
  }

  markOfflineReady(): void {
    this.set({ offlineReady: true });
  }

  /** The user chose "reload": hand over to the waiting worker, which reloads the page. */
  async reload(): Promise<void> {
    await this.apply?.();
  }

  /** "Later": hide the prompt; the new version is used on the next start anyway. */
  dismiss(): void {
    this.set({ ready: false });
  }

  private set(change: Partial<AppUpdateSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener();
  }
}

/**
 * Change notification for the SDK's stores (the useSyncExternalStore contract): listeners hear of a
 * burst of changes once, in a microtask, after the burst is applied.
 */
export class ChangeNotifier {
  private readonly listeners = new Set<() => void>();
  private scheduled = false;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  notify(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const l of this.listeners) l();
    });
  }
}

/** A minimal typed event emitter that runs in browsers and Node alike. */
type Handler = (...args: never[]) => void;

export class Emitter<Events extends Record<string, unknown[]>> {
  private readonly handlers = new Map<keyof Events, Set<Handler>>();

  on<K extends keyof Events>(event: K, handler: (...args: Events[K]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    const h = handler as unknown as Handler;
    set.add(h);
    return () => set.delete(h);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const h of this.handlers.get(event) ?? []) {
      try {
        (h as unknown as (...a: Events[K]) => void)(...args);
      } catch (err) {
        // A listener's bug must not break the connection; surface it asynchronously.
        setTimeout(() => {
          throw err;
        });
      }
    }
  }
}

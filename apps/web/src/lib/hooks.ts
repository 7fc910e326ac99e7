import { useEffect, useRef, useState, useSyncExternalStore, type RefObject } from "react";

/** Moves keyboard and screen-reader focus to an element when a screen appears (or `key` changes). */
export function useFocusOnMount<T extends HTMLElement>(key?: unknown): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: false });
  }, [key]);
  return ref;
}

/** Milliseconds left until `deadline` (a Date.now() value), re-rendering every second; 0 when past. */
export function useCountdown(deadline: number | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (deadline === undefined) return;
    setNow(Date.now());
    const timer = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= deadline) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [deadline]);
  return deadline === undefined ? 0 : Math.max(0, deadline - now);
}

/** Date.now(), refreshed every `intervalMs`, so relative labels ("Today", "5 min ago") stay true while a screen is open. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

const subscribeOnline = (onChange: () => void): (() => void) => {
  globalThis.addEventListener("online", onChange);
  globalThis.addEventListener("offline", onChange);
  return () => {
    globalThis.removeEventListener("online", onChange);
    globalThis.removeEventListener("offline", onChange);
  };
};

/**
 * The browser's own idea of the network (navigator.onLine). "false" is reliable (no network at
 * all); "true" only means some network, so the connection badge stays the authority on the server.
 */
export function useOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine);
}

/** Running a social command from a screen: which one is in flight, and its failure as a sentence. */
import { useCallback, useRef, useState, type RefObject } from "react";
import type { ErrorCode } from "@sealroom/proto/errors";
import { useI18n } from "../../i18n/I18nProvider.js";

export interface ActionState {
  /** The key of the action in flight (e.g. "accept:12"), if any. */
  pending: string | undefined;
  error: string | undefined;
  /** Success feedback for a status region. */
  done: string | undefined;
  /**
   * Runs `fn` unless another action is in flight; resolves true when it succeeded. `overrides`
   * say what an error code means in this action's context.
   */
  run<T>(key: string, fn: () => Promise<T>, opts?: RunOptions<T>): Promise<boolean>;
  clear(): void;
}

export interface RunOptions<T> {
  overrides?: Partial<Record<ErrorCode, string>> | undefined;
  /** What to announce on success. */
  done?: string | ((value: T) => string);
}

/**
 * `fallbackFocus`: where focus goes when the action removed the focused control (an accepted
 * request's row), so keyboard users are not dropped at the top of the document.
 */
export function useAction(fallbackFocus?: RefObject<HTMLElement | null>): ActionState {
  const { describeError } = useI18n();
  const [pending, setPending] = useState<string>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const busy = useRef(false);
  const run = useCallback(
    async <T>(key: string, fn: () => Promise<T>, opts: RunOptions<T> = {}): Promise<boolean> => {
      if (busy.current) return false;
      busy.current = true;
      setPending(key);
      setError(undefined);
      setDone(undefined);
      try {
        const value = await fn();
        setDone(typeof opts.done === "function" ? opts.done(value) : opts.done);
        return true;
      } catch (err) {
        setError(describeError(err, { overrides: opts.overrides }));
        return false;
      } finally {
        busy.current = false;
        setPending(undefined);
        // After React has removed what the action made obsolete.
        setTimeout(() => {
          const active = document.activeElement;
          if (!active || active === document.body) fallbackFocus?.current?.focus();
        });
      }
    },
    [describeError, fallbackFocus],
  );
  const clear = useCallback(() => {
    setError(undefined);
    setDone(undefined);
  }, []);
  return { pending, error, done, run, clear };
}

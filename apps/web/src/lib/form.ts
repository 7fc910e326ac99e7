import { useRef, useState } from "react";
import { useI18n } from "../i18n/I18nProvider.js";
import type { Errors } from "./validation.js";

/**
 * The state the validated forms share (sign-in and registration, password change): the values, and
 * when a field's error shows. An error shows once the field was left with something in it, or once
 * the form was submitted: never while someone is still typing their first attempt.
 */
export function useFormFields<F extends string>(
  initial: Record<F, string>,
  /** The fields in the order they appear: a refused submit focuses the first invalid one. */
  order: readonly F[],
  validate: (values: Record<F, string>) => Errors<F>,
) {
  const { t } = useI18n();
  const [values, setValues] = useState(initial);
  const [touched, setTouched] = useState<Partial<Record<F, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const inputs = useRef<Partial<Record<F, HTMLInputElement | null>>>({});
  // One callback ref per field for the form's life: a new one each render would be detached and
  // attached again on every keystroke.
  const refs = useRef(new Map<F, (el: HTMLInputElement | null) => void>());
  const errors = validate(values);

  return {
    values,
    setValues,
    /** Shows every field's error (true), or none until fields are left again (false). */
    setSubmitted,
    setTouched,
    /** The field's error message, if it should show. */
    shown(f: F): string | undefined {
      const e = submitted || touched[f] ? errors[f] : undefined;
      return e ? t(e.key, e.vars) : undefined;
    },
    set: (f: F) => (v: string) => setValues((prev) => ({ ...prev, [f]: v })),
    blur: (f: F) => () => setTouched((prev) => (values[f] === "" ? prev : { ...prev, [f]: true })),
    ref(f: F): (el: HTMLInputElement | null) => void {
      let ref = refs.current.get(f);
      if (!ref) {
        ref = (el) => {
          inputs.current[f] = el;
        };
        refs.current.set(f, ref);
      }
      return ref;
    },
    focus: (f: F) => inputs.current[f]?.focus(),
    /** Empty again, as the form first appeared. */
    reset() {
      setValues(initial);
      setTouched({});
      setSubmitted(false);
    },
    /** Marks the form submitted; with an invalid field, focuses the first and returns false. */
    submit(): boolean {
      setSubmitted(true);
      const firstInvalid = order.find((f) => errors[f]);
      if (firstInvalid === undefined) return true;
      inputs.current[firstInvalid]?.focus();
      return false;
    },
  };
}

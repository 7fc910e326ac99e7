import { useId, useState, type ChangeEvent, type Ref } from "react";
import { useI18n } from "../i18n/I18nProvider.js";

export interface FieldProps {
  label: string;
  value: string;
  onChange(value: string): void;
  onBlur?(): void;
  type?: "text" | "password";
  autoComplete: string;
  hint?: string;
  /** Shown under the field and tied to it with aria-describedby / aria-invalid. */
  error?: string | undefined;
  inputRef?: Ref<HTMLInputElement>;
  name?: string;
  disabled?: boolean;
  className?: string;
}

/** A labelled input with its hint and error; passwords get a show/hide toggle (passphrases have spaces). */
export function Field({
  label,
  value,
  onChange,
  onBlur,
  type = "text",
  autoComplete,
  hint,
  error,
  inputRef,
  name,
  disabled,
  className,
}: FieldProps) {
  const { t } = useI18n();
  const id = useId();
  const [revealed, setRevealed] = useState(false);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : undefined, errorId].filter(Boolean).join(" ");
  const isPassword = type === "password";

  return (
    <div className={`field${error ? " field-invalid" : ""}${className ? ` ${className}` : ""}`}>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className="field-control">
        <input
          id={id}
          ref={inputRef}
          name={name}
          className="field-input"
          type={isPassword && !revealed ? "password" : "text"}
          value={value}
          onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(e.target.value)}
          onBlur={onBlur}
          autoComplete={autoComplete}
          autoCapitalize="off"
          autoCorrect="off"
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          disabled={disabled}
        />
        {isPassword && (
          <button
            type="button"
            className="field-reveal"
            aria-pressed={revealed}
            aria-label={t("field.showLabel", { field: label })}
            aria-controls={id}
            onClick={() => setRevealed((r) => !r)}
            disabled={disabled}
          >
            {revealed ? t("field.hide") : t("field.show")}
          </button>
        )}
      </div>
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      <p id={errorId} className="field-error" aria-live="polite">
        {error}
      </p>
    </div>
  );
}

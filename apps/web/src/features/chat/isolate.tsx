/**
 * User-supplied strings (names, group names) inside the app's own sentences, each in its own bidi
 * isolate: a right-to-left name, or one ending in a neutral, must not reorder the words around it.
 * The sentence is the translation's template; only its {variables} become <bdi> elements.
 */
import { Fragment, type ReactNode } from "react";
import type { MessageKey } from "../../i18n/en.js";
import type { Vars } from "../../i18n/languages.js";
import type { Translate } from "./format.js";

export function isolated(t: Translate, key: MessageKey, vars: Vars): ReactNode {
  // Without vars, t returns the template with its {placeholders} in place.
  const parts = t(key).split(/\{(\w+)\}/);
  return parts.map((part, i) => {
    if (i % 2 === 0) return part === "" ? null : <Fragment key={i}>{part}</Fragment>;
    const value = vars[part];
    if (value === undefined) return `{${part}}`;
    return typeof value === "number" ? String(value) : <bdi key={i}>{value}</bdi>;
  });
}

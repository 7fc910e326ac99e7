import { useState, type CSSProperties } from "react";
import { useAvatarPicture } from "../features/social/useAvatarPicture.js";

/**
 * A round avatar for a user or a group: the profile picture when `userId` is given and the profile
 * has one the viewer may see, the group's picture when `groupId` is given and the group has one, else (and while it loads, or if it fails) the first character of the name in
 * any script on a stable hue from the name. Decorative where it is used: the name is always beside
 * it, so the whole is hidden from screen readers (the image's alt is the name for anything else).
 */
export function Avatar({
  name,
  userId,
  groupId,
  size = 32,
}: {
  name: string;
  userId?: number | undefined;
  groupId?: number | undefined;
  size?: number;
}) {
  const first = firstGrapheme(name).toLocaleUpperCase();
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  const src = useAvatarPicture(userId, groupId);
  const [shown, setShown] = useState<string>();
  const [failed, setFailed] = useState<string>();
  const picture = src !== undefined && failed !== src;
  return (
    <span
      className="avatar"
      aria-hidden="true"
      data-picture={(picture && shown === src) || undefined}
      style={{ width: size, height: size, fontSize: size * 0.44, "--avatar-hue": hash % 360 } as CSSProperties}
    >
      {picture && shown === src ? null : first}
      {picture && (
        <img
          className="avatar-img"
          src={src}
          alt={name}
          width={size}
          height={size}
          decoding="async"
          // Hidden until decoded, so a slow or broken picture never replaces the initial with nothing.
          hidden={shown !== src}
          onLoad={() => setShown(src)}
          onError={() => setFailed(src)}
          data-testid="avatar-img"
        />
      )}
    </span>
  );
}

function firstGrapheme(s: string): string {
  const Seg = (Intl as { Segmenter?: typeof Intl.Segmenter }).Segmenter;
  if (Seg) {
    for (const { segment } of new Seg(undefined, { granularity: "grapheme" }).segment(s)) return segment;
  }
  return [...s][0] ?? "?";
}

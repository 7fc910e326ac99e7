import type { CSSProperties } from "react";

/** A round initial for a user: the first character in any script, a stable hue from the name. */
export function Avatar({ name, size = 32 }: { name: string; size?: number }) {
  const first = firstGrapheme(name).toLocaleUpperCase();
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return (
    <span
      className="avatar"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: size * 0.44, "--avatar-hue": hash % 360 } as CSSProperties}
    >
      {first}
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

/** "5 minutes ago" / "5分钟前", for last-seen times. */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["minute", 60_000],
  ["hour", 3_600_000],
  ["day", 86_400_000],
];

/** A past time relative to `now`; undefined under a minute ("just now"); past a week, a date. */
export function formatRelative(lang: string, ts: number, now: number): string | undefined {
  const elapsed = Math.max(0, now - ts);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  if (elapsed < 60_000) return undefined;
  if (elapsed >= 7 * 86_400_000) return new Intl.DateTimeFormat(lang, { dateStyle: "medium" }).format(ts);
  let [unit, size] = UNITS[0]!;
  for (const [u, s] of UNITS) if (elapsed >= s) [unit, size] = [u, s];
  return rtf.format(-Math.floor(elapsed / size), unit);
}

/**
 * The original chat room wrote its server's local time without a zone ('YYYY-MM-DD HH:MM:SS'). The
 * operator names the zone (an IANA name such as Europe/Berlin, or UTC); these turn such a text into
 * Unix milliseconds with the offset that zone had at that moment.
 */

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** The zone, checked: throws a RangeError naming it if the runtime does not know it. */
export function checkTimeZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw new RangeError(`unknown time zone "${zone}" (use an IANA name such as Europe/Berlin, or UTC)`);
  }
}

/** The importing machine's zone. */
export const systemTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

const formatters = new Map<string, Intl.DateTimeFormat>();

const offsets = new Map<string, number>();
/** Zones change their offset at whole quarter hours: one lookup per zone and quarter hour. */
const QUARTER_HOUR = 900_000;

/** The zone's offset from UTC at `ms`, in milliseconds (whole seconds). */
function offsetAt(ms: number, zone: string): number {
  const key = `${zone} ${Math.floor(ms / QUARTER_HOUR)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = computeOffset(Math.floor(ms / QUARTER_HOUR) * QUARTER_HOUR, zone);
    if (offsets.size > 100_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

function computeOffset(ms: number, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, f);
  }
  const part: Record<string, number> = {};
  for (const p of f.formatToParts(ms)) if (p.type !== "literal") part[p.type] = Number(p.value);
  const wall = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!);
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * Unix ms of a local time in `zone`, or undefined for a text that is not a valid time. A time that
 * occurs twice (the hour repeated when clocks go back) is the first; one that does not occur (the
 * hour skipped when they go forward) is read with the offset from before the change.
 */
export function parseLocalTime(text: string, zone: string): number | undefined {
  const m = LOCAL.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const frac = m[7] ? Number(m[7].padEnd(3, "0").slice(0, 3)) : 0;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  // Date.UTC rolls 2024-02-31 over into March: a field out of range is not a time.
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  // The offsets a day before and after bracket any change; the earlier candidate that maps back to
  // this wall time wins (none does inside a skipped hour: the offset from before the change).
  const before = wall - offsetAt(wall - 86_400_000, zone);
  const after = wall - offsetAt(wall + 86_400_000, zone);
  const candidates = [Math.min(before, after), Math.max(before, after)];
  const exact = candidates.find((utc) => utc + offsetAt(utc, zone) === wall);
  return (exact ?? before) + frac;
}

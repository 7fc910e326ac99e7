/**
 * A key fingerprint as groups of 4 hex digits (16 for the server key, 8 for a device), laid out for comparing group by group. With
 * `compareTo`, groups that differ from the other fingerprint are marked.
 */
export function Fingerprint({
  value,
  label,
  tone = "neutral",
  compareTo,
  testId,
}: {
  value: string;
  label?: string;
  tone?: "neutral" | "old" | "new";
  compareTo?: string;
  testId?: string;
}) {
  const groups = value.split(":");
  const other = compareTo?.split(":");
  return (
    <figure className={`fingerprint fingerprint-${tone}`}>
      {label && <figcaption className="fingerprint-label">{label}</figcaption>}
      <code
        className="fingerprint-groups"
        data-testid={testId}
        translate="no"
        aria-label={label ? `${label}: ${value}` : value}
      >
        {groups.map((g, i) => (
          <span
            key={i}
            className={other && other[i] !== g ? "fingerprint-group fingerprint-diff" : "fingerprint-group"}
          >
            {g}
          </span>
        ))}
      </code>
    </figure>
  );
}

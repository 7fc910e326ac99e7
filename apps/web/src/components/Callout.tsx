import type { ReactNode } from "react";

export function Callout({ tone, children }: { tone: "info" | "success" | "error" | "warning"; children: ReactNode }) {
  return <div className={`callout callout-${tone}`}>{children}</div>;
}

/**
 * A live region that exists before its message does (screen readers announce changes only inside a
 * region already in the document). `alert` interrupts; `status` waits its turn.
 */
export function LiveMessage({
  kind,
  tone,
  message,
  testId,
}: {
  kind: "alert" | "status";
  tone: "info" | "success" | "error" | "warning";
  message: string | undefined;
  testId?: string;
}) {
  return (
    <div role={kind} className="live" data-testid={testId}>
      {message ? <Callout tone={tone}>{message}</Callout> : null}
    </div>
  );
}

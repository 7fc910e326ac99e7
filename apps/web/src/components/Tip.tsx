/**
 * A tooltip for a control whose name is an icon: shown on hover and on keyboard focus, dismissed
 * with Escape, announced as the control's description (Radix Tooltip). It never takes the pointer,
 * so it cannot cover what it names or a neighbour. Touch screens have no hover: there the control's
 * aria-label and the long-press menu carry the meaning.
 */
import * as Tooltip from "@radix-ui/react-tooltip";
import type { ReactElement } from "react";

export function Tip({
  label,
  side = "top",
  children,
}: {
  label: string;
  side?: "top" | "bottom" | "left" | "right";
  /** One focusable element (it gets the trigger's props). */
  children: ReactElement;
}) {
  // A provider per tooltip keeps them usable in any subtree (tests render parts alone); what is
  // lost is only Radix's shared "skip the delay when moving between tooltips".
  return (
    <Tooltip.Provider delayDuration={400} disableHoverableContent>
      <Tooltip.Root>
        <Tooltip.Trigger asChild>{children}</Tooltip.Trigger>
        <Tooltip.Portal>
          <Tooltip.Content className="tip" side={side} sideOffset={6} collisionPadding={8}>
            {label}
          </Tooltip.Content>
        </Tooltip.Portal>
      </Tooltip.Root>
    </Tooltip.Provider>
  );
}

/**
 * Where the details panel is a drawer over its conversation (details.css positions it absolutely
 * between 761 and 999 px), a press on the conversation it covers part of closes it, as a press
 * outside any overlay does. Beside the conversation (from 1000 px) or instead of it (phones) it is
 * no overlay, and a press elsewhere leaves it open. The stylesheet decides, so the breakpoints live
 * in one place. The press goes on to what it landed on (a message, the composer): the drawer is not
 * modal. The header's openers are left alone: their own click closes it.
 */
import { useEffect, type RefObject } from "react";

export function useCloseOnPressOutside(panel: RefObject<HTMLElement | null>, onClose: () => void): void {
  useEffect(() => {
    const onPointerDown = (e: PointerEvent) => {
      const el = panel.current;
      const target = e.target;
      if (!el || e.button !== 0 || !(target instanceof Element) || el.contains(target)) return;
      if (getComputedStyle(el).position !== "absolute") return;
      // The sidebar, or a dialog or menu in a portal: not the conversation under the drawer.
      if (!el.parentElement?.contains(target)) return;
      if (el.id && target.closest(`[aria-controls="${el.id}"]`)) return;
      onClose();
    };
    // Capture: a handler inside the conversation that stops the event does not keep the drawer open.
    document.addEventListener("pointerdown", onPointerDown, true);
    return () => document.removeEventListener("pointerdown", onPointerDown, true);
  }, [panel, onClose]);
}

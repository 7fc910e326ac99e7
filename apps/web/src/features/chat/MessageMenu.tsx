/**
 * A message's actions as one Radix context menu: right click, a long press on touch, the "More"
 * button of the hover tools, and the keyboard (menu key, Shift+F10, Enter on a focused message) all
 * open the same menu with the same items. Each item is offered only where it applies (Message
 * decides); Radix does the menu's keyboard, focus trap and dismissal.
 */
import * as ContextMenu from "@radix-ui/react-context-menu";
import { useRef, type PointerEvent, type ReactNode } from "react";
import { SmileIcon } from "../../components/Icons.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { CopyIcon, ForwardIcon, LinkIcon, PencilIcon, ReplyIcon, TrashIcon } from "./MessageParts.js";

export interface MessageActions {
  onReply?(): void;
  onReact?(): void;
  onCopyText?(): void;
  onCopyLink?(): void;
  onForward?(): void;
  onEdit?(): void;
  onDelete?(): void;
}

export const hasActions = (a: MessageActions) => Object.values(a).some((f) => f !== undefined);

/**
 * Opens the message's context menu from the keyboard or a button: the same `contextmenu` event a
 * right click sends, placed at the start of `at`, so Radix opens it there.
 */
export function openMenuAt(target: HTMLElement, at: HTMLElement = target): void {
  const box = at.getBoundingClientRect();
  target.dispatchEvent(
    new MouseEvent("contextmenu", {
      bubbles: true,
      cancelable: true,
      clientX: box.left + Math.min(24, box.width / 2),
      clientY: box.top + Math.min(24, box.height / 2),
    }),
  );
}

/**
 * Radix opens the menu 700 ms into a long press, while the finger is still down. The menu is not
 * modal, so lifting that finger read as an interaction outside it and closed it at once: on a
 * phone no item could ever be tapped (found by the chromium long-press test; tldraw#8740 is the
 * same). Outside interactions are the opening touch's own from its press until shortly after its
 * release, and are ignored; a later tap outside still closes the menu.
 */
function useOpeningTouch() {
  const until = useRef(0);
  const onPointerDown = (e: PointerEvent<HTMLElement>) => {
    if (e.pointerType === "mouse") return;
    until.current = Infinity;
    const released = new AbortController();
    const release = () => {
      until.current = performance.now() + 300;
      released.abort();
    };
    for (const type of ["pointerup", "pointercancel"])
      document.addEventListener(type, release, { capture: true, signal: released.signal });
  };
  return { onPointerDown, isOpeningTouch: () => performance.now() < until.current };
}

export function MessageMenu({
  actions,
  children,
  onChose,
  onClosed,
}: {
  actions: MessageActions;
  /** The message itself (one element): the menu's trigger. */
  children: ReactNode;
  /** An item was chosen (before its action runs). */
  onChose(): void;
  /**
   * The menu has closed, `chose` an item or not (Escape, a click elsewhere): prevent `e` to keep
   * focus where the action put it, else Radix gives it back to what had it before the menu.
   */
  onClosed(e: Event, chose: boolean): void;
}) {
  const { t } = useI18n();
  // Read when the menu has closed, after the re-render its choice caused: a ref, not a local.
  const chose = useRef(false);
  const touch = useOpeningTouch();
  const item = (label: string, icon: ReactNode, run: (() => void) | undefined, testId: string) =>
    run && (
      <ContextMenu.Item
        className="msg-menu-item"
        data-testid={testId}
        onSelect={() => {
          chose.current = true;
          onChose();
          run();
        }}
      >
        {icon}
        {label}
      </ContextMenu.Item>
    );
  return (
    <ContextMenu.Root modal={false}>
      <ContextMenu.Trigger asChild disabled={!hasActions(actions)} onPointerDown={touch.onPointerDown}>
        {children}
      </ContextMenu.Trigger>
      <ContextMenu.Portal>
        <ContextMenu.Content
          className="msg-menu"
          aria-label={t("chat.actions")}
          loop
          collisionPadding={8}
          onInteractOutside={(e) => {
            if (touch.isOpeningTouch()) e.preventDefault();
          }}
          onCloseAutoFocus={(e) => {
            onClosed(e, chose.current);
            chose.current = false;
          }}
          // The timeline's own keys (arrows between messages) stay out of the menu.
          onKeyDown={(e) => e.stopPropagation()}
        >
          {item(t("chat.reply"), <ReplyIcon />, actions.onReply, "menu-reply")}
          {item(t("chat.react"), <SmileIcon />, actions.onReact, "menu-react")}
          {item(t("chat.copyText"), <CopyIcon />, actions.onCopyText, "menu-copy-text")}
          {item(t("chat.copyLink"), <LinkIcon />, actions.onCopyLink, "menu-copy-link")}
          {item(t("chat.forward"), <ForwardIcon />, actions.onForward, "menu-forward")}
          {item(t("chat.edit"), <PencilIcon />, actions.onEdit, "menu-edit")}
          {item(t("chat.delete"), <TrashIcon />, actions.onDelete, "menu-delete")}
        </ContextMenu.Content>
      </ContextMenu.Portal>
    </ContextMenu.Root>
  );
}

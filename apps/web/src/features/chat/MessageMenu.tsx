/**
 * A message's actions as one Radix context menu: right click, a long press on touch, the "More"
 * button of the hover tools, and the keyboard (menu key, Shift+F10, Enter on a focused message) all
 * open the same menu with the same items. Each item is offered only where it applies (Message
 * decides); Radix does the menu's keyboard, focus trap and dismissal.
 */
import * as ContextMenu from "@radix-ui/react-context-menu";
import { useRef, type ReactNode } from "react";
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
      <ContextMenu.Trigger asChild disabled={!hasActions(actions)}>
        {children}
      </ContextMenu.Trigger>
      <ContextMenu.Portal>
        <ContextMenu.Content
          className="msg-menu"
          aria-label={t("chat.actions")}
          loop
          collisionPadding={8}
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

/**
 * The quick switcher: Ctrl+K (Cmd+K on Apple systems) anywhere in the signed-in app, or the button
 * beside the conversation list's search box, opens a modal dialog to jump to any conversation by
 * name. A native <dialog> opened with showModal(), not components/Modal.tsx: where focus goes after
 * it is the caller's choice (a jump focuses the conversation's title, which a dialog library's focus
 * return would undo); the page behind is inert, so focus stays inside, and Escape closes it. The
 * field is a combobox pointing at the active option of its listbox with aria-activedescendant
 * (focus never leaves the field): Up and Down move, Enter opens the conversation as a list link
 * does (the hash route). Escape, the close button or a click outside close it and give focus back
 * to where it was.
 *
 * The shortcut works from text fields too (the composer, the search box), as in Slack and Element:
 * people reach for it mid-sentence, and Ctrl+K types nothing there. It does nothing while another
 * modal dialog is open (a confirmation): that question is answered first.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";
import { Avatar } from "../../components/Avatar.js";
import { CloseIcon, JumpIcon } from "../../components/Icons.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useNavigate } from "react-router";
import { chatPath, usePlace } from "../../lib/routes.js";
import { useChatSnapshot, usePeople } from "./context.js";
import { useMe } from "./hooks.js";
import {
  filterEntries,
  isApplePlatform,
  isSwitcherShortcut,
  switcherEntries,
  type SwitcherEntry,
} from "./quick-switcher.js";
import { Tip } from "../../components/Tip.js";

interface Switcher {
  /** Opens the switcher; focus goes back to `from` (else what has focus now) when it closes. */
  open(from?: HTMLElement): void;
  apple: boolean;
}

const SwitcherContext = createContext<Switcher | undefined>(undefined);

/** `apple`: the platform's modifier is Cmd (detected; tests set it). */
export function QuickSwitcherProvider({
  children,
  apple = isApplePlatform(globalThis.navigator?.platform ?? ""),
}: {
  children: ReactNode;
  apple?: boolean;
}) {
  const [isOpen, setOpen] = useState(false);
  const openRef = useRef(false);
  const returnTo = useRef<HTMLElement | null>(null);
  const restore = useRef(true);
  const currentId = usePlace().conversationId;

  const open = useCallback((from?: HTMLElement) => {
    if (openRef.current) return;
    const focused = document.activeElement;
    returnTo.current = from ?? (focused instanceof HTMLElement ? focused : null);
    restore.current = true;
    openRef.current = true;
    setOpen(true);
  }, []);
  const close = useCallback((giveFocusBack: boolean) => {
    restore.current = giveFocusBack;
    openRef.current = false;
    setOpen(false);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!isSwitcherShortcut(e, apple) || anotherModalOpen()) return;
      e.preventDefault(); // the browser's own Ctrl+K (its search bar)
      // Pressed again while open: closes it, as in Slack.
      if (openRef.current) close(true);
      else open();
    };
    // Capturing, on the window: before any field or menu that handles its own keys sees it.
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, [apple, open, close]);

  // After the dialog has closed (its cleanup ran first): the page is no longer inert.
  useEffect(() => {
    if (isOpen || !restore.current) return;
    const back = returnTo.current;
    returnTo.current = null;
    if (!back) return;
    (back.isConnected ? back : document.getElementById("main"))?.focus();
  }, [isOpen]);

  const value = useMemo(() => ({ open, apple }), [open, apple]);
  return (
    <SwitcherContext value={value}>
      {children}
      {isOpen && <SwitcherDialog currentId={currentId} onClose={close} />}
    </SwitcherContext>
  );
}

/** The visible way in, for the pointer and touch: beside the list's search box, with the shortcut. */
export function QuickSwitcherButton() {
  const { t } = useI18n();
  const switcher = useContext(SwitcherContext);
  if (!switcher) return null;
  const shortcut = t(switcher.apple ? "quick.keyApple" : "quick.keyOther");
  return (
    <Tip label={t("quick.open", { shortcut })} side="bottom">
      <button
        type="button"
        className="quick-open"
        aria-label={t("quick.open", { shortcut })}
        aria-keyshortcuts={switcher.apple ? "Meta+K" : "Control+K"}
        aria-haspopup="dialog"
        onClick={(e) => switcher.open(e.currentTarget)}
        data-testid="quick-switcher-open"
      >
        <JumpIcon size={16} />
        <kbd className="quick-kbd">{shortcut}</kbd>
      </button>
    </Tip>
  );
}

/** Another modal dialog (a confirmation, Forward's picker) is in front: the shortcut leaves it alone. */
function anotherModalOpen(): boolean {
  return [...document.querySelectorAll("dialog[open], [aria-modal=true]")].some(
    (d) => d.getAttribute("data-testid") !== "quick-switcher",
  );
}

/**
 * The switcher's dialog; also the conversation picker of Forward (ForwardDialog.tsx), which passes
 * its own title and `onPick` (choosing then does not navigate).
 */
export function SwitcherDialog({
  currentId,
  onClose,
  title,
  onPick,
  hint,
  testId = "quick-switcher",
}: {
  currentId: string | undefined;
  onClose(giveFocusBack: boolean): void;
  title?: string;
  onPick?(entry: SwitcherEntry): void;
  hint?: string;
  testId?: string;
}) {
  const { t } = useI18n();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const navigate = useNavigate();
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const { conversations } = useChatSnapshot();
  const people = usePeople();
  const me = useMe();
  // `typed` is the field; `query` what the list is filtered by: during an input method's composition
  // (pinyin on its way to 汉字) the field holds letters that are no name, so the list waits for the end.
  const [typed, setTyped] = useState("");
  const [query, setQuery] = useState("");
  const composing = useRef(false);
  const all = useMemo(() => switcherEntries(conversations, people, me, t), [conversations, people, me, t]);
  const shown = useMemo(() => filterEntries(all, query), [all, query]);
  // With nothing typed, the first choice is the most recent conversation other than the open one:
  // Ctrl+K, Enter goes back to where the user was before.
  const initial =
    query.trim() === ""
      ? Math.max(
          0,
          shown.findIndex((e) => e.conversationId !== currentId),
        )
      : 0;
  const [picked, setPicked] = useState<{ query: string; index: number } | undefined>();
  const active = picked?.query === query ? Math.min(picked.index, shown.length - 1) : initial;
  const base = useId();
  const optionId = (i: number) => `${base}-option-${i}`;
  const titleId = `${base}-title`;
  const listId = `${base}-list`;
  const hintId = `${base}-hint`;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    inputRef.current?.focus();
    return () => {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    };
  }, []);

  // The active option stays in view as the arrows move through a long list.
  useEffect(() => {
    const option = active >= 0 ? listRef.current?.querySelector(`[id="${optionId(active)}"]`) : null;
    option?.scrollIntoView?.({ block: "nearest" });
    // optionId is derived from `base`, which never changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active]);

  const choose = (entry: SwitcherEntry) => {
    if (onPick) return onPick(entry);
    if (entry.conversationId === currentId) return onClose(true);
    // The same navigation as the list's links; the conversation then takes focus (its title).
    void navigate(chatPath(entry.conversationId));
    onClose(false);
  };
  const move = (by: number) => {
    if (shown.length === 0) return;
    setPicked({ query, index: (active + by + shown.length) % shown.length });
  };

  return (
    <dialog
      ref={dialogRef}
      className="quick-switcher"
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault(); // React state decides when it closes
        onClose(true);
      }}
      // A press on the backdrop lands on the <dialog> itself (its content fills the box).
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose(true);
      }}
    >
      <div className="quick-box">
        <div className="quick-head">
          <h2 id={titleId} className="quick-title">
            {title ?? t("quick.title")}
          </h2>
          <button
            type="button"
            className="icon-btn quick-close"
            aria-label={t("quick.close")}
            onClick={() => onClose(true)}
          >
            <CloseIcon />
          </button>
        </div>
        <input
          ref={inputRef}
          className="field-input quick-input"
          type="text"
          role="combobox"
          aria-label={t("quick.field")}
          aria-expanded={shown.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={shown.length > 0 ? optionId(active) : undefined}
          aria-describedby={hintId}
          placeholder={t("quick.placeholder")}
          autoComplete="off"
          spellCheck={false}
          value={typed}
          onChange={(e) => {
            setTyped(e.target.value);
            if (!composing.current) setQuery(e.target.value);
          }}
          onCompositionStart={() => (composing.current = true)}
          onCompositionEnd={(e) => {
            composing.current = false;
            setQuery(e.currentTarget.value);
          }}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown" || e.key === "ArrowUp") {
              e.preventDefault();
              move(e.key === "ArrowDown" ? 1 : -1);
            } else if (e.key === "Enter" && !e.nativeEvent.isComposing && !composing.current) {
              e.preventDefault();
              const entry = shown[active];
              if (entry) choose(entry);
            } else if (e.key === "Escape") {
              e.preventDefault();
              onClose(true);
            }
          }}
          data-testid={`${testId}-input`}
        />
        <ul
          ref={listRef}
          id={listId}
          className="quick-list"
          role="listbox"
          aria-label={t("quick.results")}
          hidden={shown.length === 0}
        >
          {shown.map((entry, i) => (
            <SwitcherOption
              key={entry.conversationId}
              id={optionId(i)}
              entry={entry}
              selected={i === active}
              current={entry.conversationId === currentId}
              onPoint={() => setPicked({ query, index: i })}
              onChoose={() => choose(entry)}
            />
          ))}
        </ul>
        <div role="status" className="quick-status" data-testid={`${testId}-status`}>
          {shown.length === 0 ? (
            <p className="quick-empty">{t("quick.none", { query: query.trim() })}</p>
          ) : (
            query.trim() !== "" && <span className="sr-only">{t("quick.count", { count: shown.length })}</span>
          )}
        </div>
        <p id={hintId} className="quick-hint">
          {hint ?? t("quick.hint")}
        </p>
      </div>
    </dialog>
  );
}

function SwitcherOption({
  id,
  entry,
  selected,
  current,
  onPoint,
  onChoose,
}: {
  id: string;
  entry: SwitcherEntry;
  selected: boolean;
  current: boolean;
  onPoint(): void;
  onChoose(): void;
}) {
  const { t } = useI18n();
  const user = entry.username !== undefined && entry.username !== entry.title ? `@${entry.username}` : undefined;
  const kind = t(entry.kind === "dm" ? "quick.kind.dm" : "quick.kind.group");
  const marks = [
    entry.archived && t("chat.archived"),
    entry.fresh && t("quick.fresh"),
    current && t("quick.current"),
  ].filter((m): m is string => typeof m === "string");
  return (
    <li
      id={id}
      role="option"
      aria-selected={selected}
      // One sentence for screen readers (the spans below would run together): name, username, kind, marks.
      aria-label={[entry.title, user, kind, ...marks].filter(Boolean).join(", ")}
      className="quick-option"
      // Not a focus change: the field keeps focus and the caret.
      onMouseDown={(e) => e.preventDefault()}
      onMouseMove={selected ? undefined : onPoint}
      onClick={onChoose}
      data-testid={`quick-option-${entry.conversationId}`}
    >
      <Avatar name={entry.title} userId={entry.userId} groupId={entry.groupId} size={32} />
      <span className="quick-option-body">
        <span className="quick-option-top">
          <span className="quick-option-name" translate="no">
            <bdi>{entry.title}</bdi>
          </span>
          {user && (
            <span className="quick-option-user" translate="no">
              <bdi>{user}</bdi>
            </span>
          )}
        </span>
        <span className="quick-option-meta">
          {kind}
          {marks.map((m) => (
            <span key={m} className="quick-mark">
              {m}
            </span>
          ))}
        </span>
      </span>
    </li>
  );
}

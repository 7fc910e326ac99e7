/**
 * The quick switcher: Ctrl+K (Cmd+K on Apple systems) anywhere in the signed-in app, or the button
 * beside the conversation list's search box, opens a modal dialog to jump to any conversation by
 * name. A native <dialog> opened with showModal(), not components/Modal.tsx: where focus goes after
 * it is the caller's choice (a jump focuses the conversation's title, which a dialog library's focus
 * return would undo); the page behind is inert, so focus stays inside, and Escape closes it. The
 * field is a combobox and the results React Aria's listbox (SuggestionList.tsx; focus never leaves
 * the field): Up and Down move (wrapping), Page Up/Down by a page, Enter opens the
 * conversation as a list link does (the hash route). Escape, the close button or a click outside
 * close it and give focus back to where it was.
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
import { SuggestionArea, SuggestionList, useSuggestionField } from "./SuggestionList.js";
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
  const base = useId();
  const titleId = `${base}-title`;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    return () => {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    };
  }, []);

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
        <SuggestionArea>
          <SwitcherSearch
            currentId={currentId}
            onClose={onClose}
            onPick={onPick}
            hintId={`${base}-hint`}
            testId={testId}
          />
        </SuggestionArea>
        <p id={`${base}-hint`} className="quick-hint">
          {hint ?? t("quick.hint")}
        </p>
      </div>
    </dialog>
  );
}

/** The field, its results and their count (inside the SuggestionArea that joins field and list). */
function SwitcherSearch({
  currentId,
  onClose,
  onPick,
  hintId,
  testId,
}: {
  currentId: string | undefined;
  onClose(giveFocusBack: boolean): void;
  onPick: ((entry: SwitcherEntry) => void) | undefined;
  hintId: string;
  testId: string;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const inputRef = useRef<HTMLInputElement>(null);
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
  const initial = query.trim() === "" ? shown.find((e) => e.conversationId !== currentId) : undefined;
  const active = useRef<SwitcherEntry | undefined>(undefined);
  const field = useSuggestionField(inputRef);

  useEffect(() => inputRef.current?.focus(), []);

  const choose = (entry: SwitcherEntry) => {
    if (onPick) return onPick(entry);
    if (entry.conversationId === currentId) return onClose(true);
    // The same navigation as the list's links; the conversation then takes focus (its title).
    void navigate(chatPath(entry.conversationId));
    onClose(false);
  };

  return (
    <>
      <input
        ref={field.ref}
        className="field-input quick-input"
        type="text"
        role="combobox"
        aria-label={t("quick.field")}
        aria-expanded={shown.length > 0}
        aria-controls={field.fieldProps["aria-controls"]}
        aria-autocomplete="list"
        aria-activedescendant={shown.length > 0 ? field.fieldProps["aria-activedescendant"] : undefined}
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
          if (e.key === "Enter" && !e.nativeEvent.isComposing && !composing.current) {
            e.preventDefault();
            if (active.current) choose(active.current);
          } else if (e.key === "Escape") {
            e.preventDefault();
            onClose(true);
          } else if (field.navigate(e)) e.preventDefault();
        }}
        data-testid={`${testId}-input`}
      />
      <SuggestionList
        items={shown}
        keyOf={(e) => e.conversationId}
        textOf={(e) => e.title}
        initial={initial?.conversationId}
        resetKey={query}
        onActive={(e) => (active.current = e)}
        onChoose={choose}
        label={t("quick.results")}
        className="quick-list"
        optionClassName="quick-option"
        optionLabel={(e) => optionLabel(e, e.conversationId === currentId, t)}
        optionTestId={(e) => `quick-option-${e.conversationId}`}
        testId={`${testId}-list`}
        hidden={shown.length === 0}
      >
        {(entry) => <SwitcherOption entry={entry} current={entry.conversationId === currentId} />}
      </SuggestionList>
      <div role="status" className="quick-status" data-testid={`${testId}-status`}>
        {shown.length === 0 ? (
          <p className="quick-empty">{t("quick.none", { query: query.trim() })}</p>
        ) : (
          query.trim() !== "" && <span className="sr-only">{t("quick.count", { count: shown.length })}</span>
        )}
      </div>
    </>
  );
}

type T = ReturnType<typeof useI18n>["t"];

function marksOf(entry: SwitcherEntry, current: boolean, t: T): string[] {
  return [entry.archived && t("chat.archived"), entry.fresh && t("quick.fresh"), current && t("quick.current")].filter(
    (m): m is string => typeof m === "string",
  );
}
const userOf = (entry: SwitcherEntry) =>
  entry.username !== undefined && entry.username !== entry.title ? `@${entry.username}` : undefined;
const kindOf = (entry: SwitcherEntry, t: T) => t(entry.kind === "dm" ? "quick.kind.dm" : "quick.kind.group");

/** One sentence for screen readers (the spans of the option would run together): name, username, kind, marks. */
function optionLabel(entry: SwitcherEntry, current: boolean, t: T): string {
  return [entry.title, userOf(entry), kindOf(entry, t), ...marksOf(entry, current, t)].filter(Boolean).join(", ");
}

function SwitcherOption({ entry, current }: { entry: SwitcherEntry; current: boolean }) {
  const { t } = useI18n();
  const user = userOf(entry);
  return (
    <>
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
          {kindOf(entry, t)}
          {marksOf(entry, current, t).map((m) => (
            <span key={m} className="quick-mark">
              {m}
            </span>
          ))}
        </span>
      </span>
    </>
  );
}

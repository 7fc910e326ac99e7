/**
 * The scrolling timeline. Opens at the newest message; follows new ones while the reader is at the
 * bottom; loads older pages when the reader nears the top (or asks with the button) and keeps the
 * message under the reader's eyes where it was while they are inserted above.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { ConversationView } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useChatServices, usePeople } from "./context.js";
import { dayLabel, ownStatus, statusText, systemText } from "./format.js";
import { useMe, usePageVisible } from "./hooks.js";
import { useNow } from "../../lib/hooks.js";
import { Message, PendingBubble } from "./Message.js";
import { buildRows, lastOwnSeq } from "./timeline.js";

/** Within this many pixels of the bottom counts as "at the bottom". */
const STICK_PX = 80;
/** Within this many pixels of the top, the previous page is fetched. */
const NEAR_TOP_PX = 160;

export function MessageList({ view }: { view: ConversationView }) {
  const { t, lang, describeError } = useI18n();
  const { chat } = useChatServices();
  const { names } = usePeople();
  const me = useMe();
  const now = useNow(60_000);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const dividerPlaced = useRef(false);
  /**
   * While an older page loads: the distance from the bottom and the first entry before it, so the
   * render that prepends it (and only that one) restores the reader's position.
   */
  const anchor = useRef<{ fromBottom: number; firstSeq: number | undefined } | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const loadingRef = useRef(false);

  const firstSeq = view.entries[0]?.seq;
  // What was unread when the conversation opened keeps its divider while the reader is here.
  const [readAtOpen] = useState(() => (view.unread > 0 ? view.readSeq : undefined));
  const rows = buildRows(view.entries, view.pending, me, readAtOpen);
  const ownSeq = lastOwnSeq(view.entries, me);

  const loadOlder = useCallback(async () => {
    const el = scroller.current;
    if (loadingRef.current || !view.hasOlder || !el) return;
    loadingRef.current = true;
    setLoading(true);
    setError(undefined);
    anchor.current = { fromBottom: el.scrollHeight - el.scrollTop, firstSeq: view.entries[0]?.seq };
    try {
      if ((await chat.loadOlder(view.conversationId)) === 0) anchor.current = undefined;
    } catch (err) {
      anchor.current = undefined;
      setError(describeError(err));
    } finally {
      loadingRef.current = false;
      setLoading(false);
    }
  }, [chat, view.conversationId, view.hasOlder, view.entries, describeError]);

  // After a render: restore the reading position if a page was prepended, else follow the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (anchor.current) {
      if (anchor.current.firstSeq === firstSeq) return; // not prepended yet
      el.scrollTop = el.scrollHeight - anchor.current.fromBottom;
      anchor.current = undefined;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    // More unread than fits: open at the first of them (its divider), not past them at the bottom.
    if (!dividerPlaced.current) {
      const divider = el.querySelector<HTMLElement>("[data-testid=unread-divider]");
      if (!divider) return;
      dividerPlaced.current = true;
      const top = divider.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
      if (el.scrollHeight - top > el.clientHeight) {
        el.scrollTop = top - 16;
        atBottom.current = false;
        setNewBelow(true); // and the way down to the newest
      }
    }
  });

  // A first page that does not fill the screen cannot be scrolled up: fetch more right away.
  useEffect(() => {
    const el = scroller.current;
    if (el && view.hasOlder && !loading && !error && el.scrollHeight <= el.clientHeight + NEAR_TOP_PX) void loadOlder();
  }, [firstSeq, view.hasOlder, loading, error, loadOlder]);

  // New entries while the reader is scrolled up: offer a way down instead of yanking the view.
  const lastSeq = view.entries.at(-1)?.seq;
  const seenSeq = useRef(lastSeq);
  const [newBelow, setNewBelow] = useState(false);
  useEffect(() => {
    if (lastSeq !== undefined && seenSeq.current !== undefined && lastSeq > seenSeq.current && !atBottom.current) setNewBelow(true);
    seenSeq.current = lastSeq;
  }, [lastSeq]);
  const toBottom = () => {
    const el = scroller.current;
    atBottom.current = true;
    setNewBelow(false);
    el?.scrollTo({ top: el.scrollHeight });
  };

  // Read means seen: marked while the page is visible and the reader is at the newest message.
  const visible = usePageVisible();
  const marking = useRef(0);
  useEffect(() => {
    if (!visible || newBelow || !atBottom.current || view.headSeq <= view.readSeq || marking.current >= view.headSeq) return;
    marking.current = view.headSeq;
    chat.markRead(view.conversationId, view.headSeq).catch(() => {
      marking.current = 0; // try again on the next change
    });
  }, [chat, view.conversationId, visible, newBelow, view.headSeq, view.readSeq]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    if (atBottom.current) setNewBelow(false);
    if (el.scrollTop < NEAR_TOP_PX) void loadOlder();
  };

  return (
    <div className="timeline-wrap">
      <div className="timeline" ref={scroller} onScroll={onScroll} role="log" aria-label={t("chat.messages")} tabIndex={0} data-testid="timeline">
        <div className="timeline-inner">
          <div className="timeline-top">
            {view.hasOlder ? (
              <button type="button" className="btn btn-ghost btn-small" onClick={() => void loadOlder()} disabled={loading}>
                {loading ? t("chat.loadingOlder") : t("chat.loadOlder")}
              </button>
            ) : (
              <p className="timeline-beginning">{view.kind === "group" && view.visibleFromSeq > 0 ? t("chat.beginningGroup") : t("chat.beginning")}</p>
            )}
            {error && (
              <p className="msg-error" role="alert">
                {error}
              </p>
            )}
          </div>
          {rows.map((row) => {
            switch (row.type) {
              case "day":
                return (
                  <div key={row.key} className="day-sep" role="separator">
                    <span>{dayLabel(row.ts, now, lang, t)}</span>
                  </div>
                );
              case "system":
                return (
                  <p key={row.key} className="sys" data-testid="system-entry">
                    {systemText(row.entry, t)}
                  </p>
                );
              case "text": {
                const sender = row.own ? "" : (names[row.entry.senderId] ?? (view.kind === "dm" ? view.peer?.username : undefined) ?? t("chat.someone"));
                const status = row.entry.seq === ownSeq ? statusText(ownStatus(row.entry.seq, view.kind, view.receipts, me), t) : undefined;
                return <Message key={row.key} entry={row.entry} own={row.own} kind={view.kind} sender={sender} first={row.first} status={status} />;
              }
              case "unread":
              return (
                <div key={row.key} className="unread-sep" role="separator" data-testid="unread-divider">
                  <span>{t("chat.unreadDivider")}</span>
                </div>
              );
            case "pending":
                return <PendingBubble key={row.key} message={row.message} kind={view.kind} />;
            }
          })}
        </div>
      </div>
      {newBelow && (
        <button type="button" className="new-below" onClick={toBottom}>
          {t("chat.newBelow")} ↓
        </button>
      )}
    </div>
  );
}

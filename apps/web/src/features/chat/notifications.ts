/**
 * Browser notifications for new messages: asked for only when the user chooses to (the banner or
 * settings), shown while the tab is hidden or the window is in the background, never for the
 * user's own messages nor for the conversation on screen, nor in a muted conversation unless the
 * message mentions the user.
 */
import { CHAT_EVENTS } from "@sealroom/sdk/browser";
import type { Entry, SealroomClient } from "@sealroom/sdk/browser";

export type NotifyPermission = NotificationPermission | "unsupported";

export interface NotifyContext {
  fromMe: boolean;
  permission: NotifyPermission;
  /** The tab is not visible (another tab, minimised). */
  hidden: boolean;
  /** The page has keyboard focus (its window is in front). */
  focused: boolean;
  /** This message's conversation is the one open in the page. */
  onScreen: boolean;
  /** The user muted the conversation (now). */
  muted?: boolean;
  /** The message mentions the user: it notifies even in a muted conversation. */
  mentionsMe?: boolean;
}

export function shouldNotify(c: NotifyContext): boolean {
  if (c.fromMe || c.permission !== "granted") return false;
  if (c.muted && !c.mentionsMe) return false;
  if (c.hidden) return true;
  return !c.focused && !c.onScreen;
}

export interface NotifyText {
  title: string;
  body: string;
}

const DISMISSED_KEY = "sealroom.notify.dismissed";

export class Notifier {
  private readonly listeners = new Set<() => void>();
  private snapshot: { permission: NotifyPermission; dismissed: boolean };
  /** (conversation, seq) already notified: live delivery is at least once. */
  private readonly seen = new Set<string>();
  /** Encrypted messages announced live, waiting for their decrypted text: who sent them, where. */
  private readonly encrypted = new Map<string, { sender: string; group: string | undefined }>();
  private off: (() => void) | undefined;

  constructor(
    private readonly client: Pick<SealroomClient, "on" | "user">,
    private readonly api: typeof Notification | undefined = globalThis.Notification,
  ) {
    this.snapshot = { permission: this.current(), dismissed: readDismissed() };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = () => this.snapshot;

  /** Only ever called from a user's click: browsers (rightly) ignore or penalise prompts on load. */
  async request(): Promise<NotifyPermission> {
    if (!this.api) return "unsupported";
    try {
      await this.api.requestPermission();
    } catch {
      // an old callback-only implementation: the state is read below either way
    }
    this.update({ permission: this.current() });
    return this.snapshot.permission;
  }

  dismiss(): void {
    try {
      localStorage.setItem(DISMISSED_KEY, "1");
    } catch {
      // not remembered past this page
    }
    this.update({ dismissed: true });
  }

  /**
   * Follows new messages until the returned function is called. `openConversation` names what is
   * on screen; `text` words the notification in the current language; `open` shows a conversation.
   */
  attach(opts: {
    openConversation: () => string | undefined;
    text: (e: { sender: string; group: string | undefined; preview: string }) => NotifyText;
    open: (conversationId: string) => void;
    /** Whether the user muted the conversation now (no notification unless a mention of them). */
    muted?: (conversationId: string) => boolean;
    /**
     * The chat store's entries (`ChatStore.onEntry`), for end-to-end encrypted messages: the live
     * event carries only ciphertext, so the notification waits for the text decrypted here.
     */
    entries?: (listener: (entry: Entry) => void) => () => void;
  }): () => void {
    this.off?.();
    const offEvents = this.client.on("event", (type, raw) => {
      if (type !== "chat.message.created.v1") return;
      const parsed = CHAT_EVENTS["chat.message.created.v1"].safeParse(raw);
      if (!parsed.success) return;
      const { entry, sender, group, preview } = parsed.data;
      const about = { sender: sender?.username ?? "", group: group?.name };
      if (entry.kind === "text") this.show(opts, entry, { ...about, preview });
      else if (entry.kind === "mls.app" && opts.entries) {
        this.encrypted.set(keyOf(entry), about);
        if (this.encrypted.size > 500) this.encrypted.delete(this.encrypted.keys().next().value!);
      }
    });
    const offEntries = opts.entries?.((entry) => {
      const about = this.encrypted.get(keyOf(entry));
      if (!about || entry.kind !== "text") return;
      this.encrypted.delete(keyOf(entry));
      // Decrypted on this device; a message that could not be shows no text.
      const decrypted = "e2e" in entry && entry.e2e === "decrypted";
      this.show(opts, entry, { ...about, preview: decrypted ? entry.text : "" });
    });
    const off = () => {
      offEvents();
      offEntries?.();
    };
    this.off = off;
    return () => {
      off();
      if (this.off === off) this.off = undefined;
    };
  }

  private show(
    opts: Parameters<Notifier["attach"]>[0],
    entry: { conversationId: string; seq: number; senderId: number; mentions?: readonly number[] },
    about: { sender: string; group: string | undefined; preview: string },
  ): void {
    const key = keyOf(entry);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.seen.size > 500) this.seen.delete(this.seen.values().next().value!);
    const me = this.client.user?.id;
    const notify = shouldNotify({
      fromMe: entry.senderId === me,
      muted: opts.muted?.(entry.conversationId) ?? false,
      mentionsMe: me !== undefined && (entry.mentions?.includes(me) ?? false),
      permission: this.current(),
      hidden: document.visibilityState === "hidden",
      focused: document.hasFocus(),
      onScreen: opts.openConversation() === entry.conversationId,
    });
    if (!notify || !this.api) return;
    const text = opts.text(about);
    try {
      const n = new this.api(text.title, { body: text.body, tag: entry.conversationId });
      n.onclick = () => {
        window.focus();
        opts.open(entry.conversationId);
        n.close();
      };
    } catch {
      // Some platforms only allow notifications from a service worker: the title count remains.
    }
  }

  private current(): NotifyPermission {
    return this.api ? this.api.permission : "unsupported";
  }

  private update(patch: Partial<{ permission: NotifyPermission; dismissed: boolean }>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }
}

const keyOf = (entry: { conversationId: string; seq: number }) => `${entry.conversationId}#${entry.seq}`;

function readDismissed(): boolean {
  try {
    return localStorage.getItem(DISMISSED_KEY) === "1";
  } catch {
    return false;
  }
}

/**
 * What the user typed and did not send, per conversation: it survives switching conversations and
 * a reload of the tab (sessionStorage, so it does not outlive the tab on a shared computer).
 */
const PREFIX = "sealroom.draft.";

export class DraftStore {
  private readonly memory = new Map<string, string>();

  constructor(
    private readonly storage: Pick<Storage, "getItem" | "setItem" | "removeItem"> | undefined = safeSession(),
  ) {}

  get(conversationId: string): string {
    const held = this.memory.get(conversationId);
    if (held !== undefined) return held;
    try {
      return this.storage?.getItem(PREFIX + conversationId) ?? "";
    } catch {
      return "";
    }
  }

  set(conversationId: string, text: string): void {
    this.memory.set(conversationId, text);
    try {
      if (text === "") this.storage?.removeItem(PREFIX + conversationId);
      else this.storage?.setItem(PREFIX + conversationId, text);
    } catch {
      // Storage full or disabled: the draft still lives in memory for this page.
    }
  }
}

function safeSession(): Storage | undefined {
  try {
    return globalThis.sessionStorage ?? undefined;
  } catch {
    return undefined;
  }
}

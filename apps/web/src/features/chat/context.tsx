import { createContext, useContext, useSyncExternalStore, type ReactNode } from "react";
import type { ChatSnapshot } from "@sealroom/sdk/browser";
import type { PeopleSnapshot } from "./people.js";
import type { ChatServices } from "./services.js";

const ChatContext = createContext<ChatServices | undefined>(undefined);

export function ChatProvider({ value, children }: { value: ChatServices; children: ReactNode }) {
  return <ChatContext value={value}>{children}</ChatContext>;
}

export function useChatServices(): ChatServices {
  const ctx = useContext(ChatContext);
  if (!ctx) throw new Error("chat hooks must be used inside <ChatProvider>");
  return ctx;
}

/** The chat services when the app has them (component tests of other screens may not). */
export function useOptionalChatServices(): ChatServices | undefined {
  return useContext(ChatContext);
}

export function useChatSnapshot(): ChatSnapshot {
  const { chat } = useChatServices();
  return useSyncExternalStore(chat.subscribe, chat.getSnapshot);
}

export function usePeople(): PeopleSnapshot {
  const { people } = useChatServices();
  return useSyncExternalStore(people.subscribe, people.getSnapshot);
}

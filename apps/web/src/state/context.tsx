/** One SealroomClient and its SessionController for the whole app, and the hooks that read them. */
import { createContext, useContext, useSyncExternalStore, type ReactNode } from "react";
import type { ConnectionState } from "@sealroom/sdk/browser";
import type { ChatServices } from "../features/chat/services.js";
import type { ClientLike, SessionController, SessionSnapshot } from "./session.js";

export interface Sealroom {
  client: ClientLike;
  session: SessionController;
  /** location.host: what the server key is pinned under. */
  host: string;
  /** The chat store and its companions (absent in component tests of the account screens). */
  chat?: ChatServices;
}

const SealroomContext = createContext<Sealroom | undefined>(undefined);

export function SealroomProvider({ value, children }: { value: Sealroom; children: ReactNode }) {
  return <SealroomContext value={value}>{children}</SealroomContext>;
}

function useSealroom(): Sealroom {
  const ctx = useContext(SealroomContext);
  if (!ctx) throw new Error("Sealroom hooks must be used inside <SealroomProvider>");
  return ctx;
}

export function useClient(): ClientLike {
  return useSealroom().client;
}

/** The controller's actions (authenticate, logout, trustNewKey, ...). */
export function useSessionActions(): SessionController {
  return useSealroom().session;
}

export function useChatServicesOf(): ChatServices | undefined {
  return useSealroom().chat;
}

export function useHost(): string {
  return useSealroom().host;
}

/** Which phase the app is in, and the pinned key. */
export function useSession(): SessionSnapshot {
  const { session } = useSealroom();
  return useSyncExternalStore(session.subscribe, session.getSnapshot);
}

export function useConnectionState(): ConnectionState {
  const { client } = useSealroom();
  return useSyncExternalStore(
    (onChange) => client.on("state", () => onChange()),
    () => client.state,
  );
}

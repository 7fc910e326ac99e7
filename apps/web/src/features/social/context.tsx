/** The social store for the signed-in app, and the hooks that read it. */
import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import { SocialStore } from "@sealroom/sdk/browser";
import { useClient, useSession } from "../../state/context.js";
import { toSocialView, type SocialView } from "./view.js";

/** What the screens use of the SDK's SocialStore (component tests drive a real one over a fake client). */
export type SocialLike = Pick<
  SocialStore,
  | "subscribe"
  | "getSnapshot"
  | "search"
  | "requestFriend"
  | "cancelRequest"
  | "acceptRequest"
  | "declineRequest"
  | "removeFriend"
  | "block"
  | "unblock"
  | "createGroup"
  | "loadGroup"
  | "invite"
  | "acceptInvitation"
  | "declineInvitation"
  | "withdrawInvitation"
  | "leave"
  | "kick"
  | "setRole"
  | "transfer"
  | "rename"
  | "disband"
  | "dismissNotices"
  | "setTopic"
  | "updateProfile"
  | "setAvatar"
  | "avatarPicture"
  | "setGroupAvatar"
  | "groupAvatarPicture"
  | "loadProfiles"
>;

export const SocialContext = createContext<{ store: SocialLike; me: number | undefined } | undefined>(undefined);

/**
 * Provides the social state to the signed-in screens. Without a `store`, one is made for the app's
 * client and follows it while mounted (it reloads after every sign-in, a reconnect included).
 */
export function SocialProvider({ store, me, children }: { store?: SocialLike; me?: number; children: ReactNode }) {
  const client = useClient();
  const { phase } = useSession();
  const signedInAs = phase.name === "signed-in" ? phase.user.id : undefined;
  const [own] = useState(() => (store ? undefined : new SocialStore(client)));
  useEffect(() => {
    if (!own) return;
    own.start();
    return () => own.stop();
  }, [own]);
  const value = useMemo(() => ({ store: store ?? own!, me: me ?? signedInAs }), [store, own, me, signedInAs]);
  return <SocialContext value={value}>{children}</SocialContext>;
}

function useSocialContext() {
  const ctx = useContext(SocialContext);
  if (!ctx) throw new Error("social hooks must be used inside <SocialProvider>");
  return ctx;
}

/** The social store's actions (each throws the command's AppError). */
export function useSocialStore(): SocialLike {
  return useSocialContext().store;
}

/** The signed-in user's id, when known. */
export function useMyId(): number | undefined {
  return useSocialContext().me;
}

/**
 * Friends with presence, requests, blocks, groups, invitations and the pending counts for badges;
 * re-renders on every change.
 */
export function useSocial(): SocialView {
  const { store } = useSocialContext();
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot);
  return useMemo(() => toSocialView(snapshot), [snapshot]);
}

/** Like useSocial, for components that may render outside the provider (e.g. in other features' tests). */
export function useOptionalSocial(): SocialView | undefined {
  const ctx = useContext(SocialContext);
  const snapshot = useSyncExternalStore(ctx?.store.subscribe ?? noSubscribe, ctx?.store.getSnapshot ?? noSnapshot);
  return useMemo(() => (snapshot ? toSocialView(snapshot) : undefined), [snapshot]);
}

const noSubscribe = () => () => undefined;
const noSnapshot = () => undefined;

/**
 * The picture a user's profile or a group names, as a URL for <img>, while the social store is there
 * to fetch it (undefined before it loads, without a picture, or outside the signed-in app: the
 * initial shows).
 */
import { useContext, useEffect, useState, useSyncExternalStore } from "react";
import type { AvatarPicture, SocialSnapshot } from "@sealroom/sdk/browser";
import { SocialContext } from "./context.js";

/** One data: URL per picture object (the SDK's cache hands out the same object per version). */
const urls = new WeakMap<AvatarPicture, string>();

function urlOf(picture: AvatarPicture): string {
  let url = urls.get(picture);
  if (url === undefined) {
    let binary = "";
    for (let i = 0; i < picture.bytes.length; i += 0x8000)
      binary += String.fromCharCode(...picture.bytes.subarray(i, i + 0x8000));
    // A data: URL needs no revoking: it goes when the last image and the cache entry let go of it.
    url = `data:${picture.mime};base64,${btoa(binary)}`;
    urls.set(picture, url);
  }
  return url;
}

const noSubscribe = () => () => undefined;

/**
 * The version a group's info names: the active list first, else a group read in detail (disbanded),
 * else an invitation to it.
 */
function groupVersion(s: SocialSnapshot, groupId: number): string | null {
  const listed = s.groups.find((g) => g.id === groupId) ?? s.groupDetails[groupId]?.group;
  return (listed ?? s.invitations.find((i) => i.group.id === groupId)?.group)?.avatar ?? null;
}

/** A user's picture when `userId` is given, else a group's when `groupId` is. */
export function useAvatarPicture(userId: number | undefined, groupId?: number): string | undefined {
  const ctx = useContext(SocialContext);
  const store = ctx?.store;
  // Only the version: an avatar re-renders when its picture changes, not on every social change.
  const version = useSyncExternalStore(store?.subscribe ?? noSubscribe, () => {
    const s = store?.getSnapshot();
    if (!s) return null;
    if (userId !== undefined) return s.profiles[userId]?.avatar ?? null;
    return groupId === undefined ? null : groupVersion(s, groupId);
  });
  const [loaded, setLoaded] = useState<{ key: string; url: string | undefined }>();
  const owner = userId !== undefined ? `u${userId}` : groupId !== undefined ? `g${groupId}` : undefined;
  const key = version === null || owner === undefined ? undefined : `${owner}:${version}`;
  useEffect(() => {
    if (!store || key === undefined || version === null) return;
    let live = true;
    const picture =
      userId !== undefined
        ? store.avatarPicture(userId, version)
        : groupId !== undefined
          ? store.groupAvatarPicture(groupId, version)
          : undefined;
    void picture?.then((p) => {
      if (live) setLoaded({ key, url: p && urlOf(p) });
    });
    return () => {
      live = false;
    };
  }, [store, key, userId, groupId, version]);
  return key !== undefined && loaded?.key === key ? loaded.url : undefined;
}

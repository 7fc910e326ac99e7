/**
 * The picture a user's profile names, as a URL for <img>, while the social store is there to fetch
 * it (undefined before it loads, without a picture, or outside the signed-in app: the initial shows).
 */
import { useContext, useEffect, useState, useSyncExternalStore } from "react";
import type { AvatarPicture } from "@sealroom/sdk/browser";
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

export function useAvatarPicture(userId: number | undefined): string | undefined {
  const ctx = useContext(SocialContext);
  const store = ctx?.store;
  // Only the version: an avatar re-renders when its picture changes, not on every social change.
  const version = useSyncExternalStore(store?.subscribe ?? noSubscribe, () =>
    userId === undefined ? null : (store?.getSnapshot().profiles[userId]?.avatar ?? null),
  );
  const [loaded, setLoaded] = useState<{ key: string; url: string | undefined }>();
  const key = version === null || userId === undefined ? undefined : `${userId}:${version}`;
  useEffect(() => {
    if (!store || key === undefined || userId === undefined || version === null) return;
    let live = true;
    void store.avatarPicture(userId, version).then((picture) => {
      if (live) setLoaded({ key, url: picture && urlOf(picture) });
    });
    return () => {
      live = false;
    };
  }, [store, key, userId, version]);
  return key !== undefined && loaded?.key === key ? loaded.url : undefined;
}

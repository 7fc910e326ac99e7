/**
 * Set, change or remove a picture: the profile picture in Settings (AvatarPicker), a group's in its
 * admin area (GroupPicturePicker, through PicturePicker). A chosen file is cropped and encoded on the
 * device (avatar-image.ts); the preview is exactly the image that will be sent, and zoom and
 * position are sliders (arrow keys move them).
 */
import { useEffect, useId, useRef, useState, type ChangeEvent } from "react";
import { AVATAR_LIMITS } from "@sealroom/sdk/browser";
import { Avatar } from "../../components/Avatar.js";
import { LiveMessage } from "../../components/Callout.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import type { ErrorCode } from "@sealroom/proto/errors";
import type { MessageKey } from "../../i18n/en.js";
import {
  ACCEPTED_TYPES,
  AvatarTooLarge,
  CENTRED,
  ZOOM_MAX,
  decodeImage,
  renderAvatar,
  room,
  type Crop,
} from "./avatar-image.js";
import { useSocial, useSocialStore } from "./context.js";
import { useAction } from "./useAction.js";

interface Preview {
  blob: Blob;
  url: string;
}

/** What differs between pictures: whose, the current one, how to change it, and the words. */
export interface PictureTarget {
  /** The name the initial is drawn from while there is no picture. */
  name: string;
  owner: { userId?: number; groupId?: number };
  /** The current picture's version; null: none. */
  current: string | null;
  set(image: Uint8Array | null): Promise<unknown>;
  words: { title: MessageKey; previewAlt: MessageKey; saved: MessageKey; removed: MessageKey };
  /** Error codes worth their own words beyond the picture's (a group's FORBIDDEN, CONFLICT). */
  overrides?: Partial<Record<ErrorCode, string>>;
}

/** The signed-in user's own picture (Settings). */
export function AvatarPicker({ name }: { name: string }) {
  const store = useSocialStore();
  const { me } = useSocial();
  return (
    <PicturePicker
      name={name}
      owner={{ userId: me?.user.id }}
      current={me?.avatar ?? null}
      set={(image) => store.setAvatar(image)}
      words={{
        title: "avatar.title",
        previewAlt: "avatar.previewAlt",
        saved: "avatar.saved",
        removed: "avatar.removed",
      }}
    />
  );
}

export function PicturePicker({ name, owner, current, set, words, overrides }: PictureTarget) {
  const { t } = useI18n();
  const { status } = useSocial();
  const action = useAction();
  const file = useRef<HTMLInputElement>(null);
  const chooseButton = useRef<HTMLButtonElement>(null);
  const zoom = useRef<HTMLInputElement>(null);
  const [image, setImage] = useState<ImageBitmap>();
  const [crop, setCrop] = useState<Crop>(CENTRED);
  const [preview, setPreview] = useState<Preview>();
  const [problem, setProblem] = useState<string>();
  const ids = useId();

  // The preview is the encoded picture itself, made again as the crop changes.
  useEffect(() => {
    if (!image) return;
    let live = true;
    renderAvatar(image, crop).then(
      (blob) => {
        if (!live) return;
        setProblem(undefined);
        setPreview({ blob, url: URL.createObjectURL(blob) });
      },
      (err: unknown) => {
        if (live) setProblem(t(err instanceof AvatarTooLarge ? "avatar.tooLarge" : "avatar.unreadable"));
      },
    );
    return () => {
      live = false;
    };
  }, [image, crop, t]);
  useEffect(() => () => preview && URL.revokeObjectURL(preview.url), [preview]);
  useEffect(() => () => image?.close(), [image]);
  // The choose button gave way to the sliders: keyboard users continue on the first of them.
  const hasImage = image !== undefined;
  useEffect(() => {
    if (hasImage) zoom.current?.focus();
  }, [hasImage]);

  const reset = () => {
    setImage(undefined);
    setPreview(undefined);
    setCrop(CENTRED);
    if (file.current) file.current.value = "";
    // The sliders and Save are gone: focus goes back to where the user started.
    setTimeout(() => chooseButton.current?.focus());
  };

  const choose = async (e: ChangeEvent<HTMLInputElement>) => {
    const picked = e.target.files?.[0];
    if (!picked) return;
    action.clear();
    setProblem(undefined);
    try {
      setCrop(CENTRED);
      setImage(await decodeImage(picked));
    } catch {
      setProblem(t("avatar.unreadable"));
      if (file.current) file.current.value = "";
    }
  };

  const save = async () => {
    if (!preview) return;
    const bytes = new Uint8Array(await preview.blob.arrayBuffer());
    const ok = await action.run("avatar", () => set(bytes), {
      overrides: { ...overrides, BAD_REQUEST: t("avatar.refused"), PAYLOAD_TOO_LARGE: t("avatar.refused") },
      done: t(words.saved),
    });
    if (ok) reset();
  };

  const remove = () =>
    void action
      .run("avatar-remove", () => set(null), { overrides, done: t(words.removed) })
      .then((ok) => {
        if (ok) setTimeout(() => chooseButton.current?.focus());
      });

  const movable = image ? room(image, crop.zoom) : { x: false, y: false };
  const busy = action.pending !== undefined || status !== "ready";
  const slider = (key: keyof Crop, label: string, min: number, max: number, disabled = false) => (
    <div className="field avatar-slider">
      <label className="field-label" htmlFor={`${ids}-${key}`}>
        {label}
      </label>
      <input
        ref={key === "zoom" ? zoom : undefined}
        id={`${ids}-${key}`}
        type="range"
        min={min}
        max={max}
        step={0.05}
        value={crop[key]}
        disabled={disabled || busy}
        onChange={(e) => setCrop((c) => ({ ...c, [key]: Number(e.target.value) }))}
        data-testid={`avatar-${key}`}
      />
    </div>
  );

  return (
    <div className="avatar-picker" role="group" aria-labelledby={`${ids}-title`} data-testid="avatar-picker">
      <h3 id={`${ids}-title`} className="avatar-picker-title">
        {t(words.title)}
      </h3>
      <div className="avatar-picker-row">
        <div className="avatar-picker-image">
          {preview ? (
            <img
              className="avatar-preview"
              src={preview.url}
              alt={t(words.previewAlt)}
              width={96}
              height={96}
              data-testid="avatar-preview"
            />
          ) : (
            <Avatar name={name} userId={owner.userId} groupId={owner.groupId} size={96} />
          )}
        </div>
        <div className="avatar-picker-controls">
          <p className="field-hint">{t("avatar.hint", { side: AVATAR_LIMITS.side })}</p>
          <input
            ref={file}
            type="file"
            accept={ACCEPTED_TYPES}
            hidden
            onChange={(e) => void choose(e)}
            data-testid="avatar-file"
          />
          {image ? (
            <>
              {slider("zoom", t("avatar.zoom"), 1, ZOOM_MAX)}
              {slider("x", t("avatar.horizontal"), -1, 1, !movable.x)}
              {slider("y", t("avatar.vertical"), -1, 1, !movable.y)}
              <div className="actions">
                <button
                  type="button"
                  className="btn btn-primary"
                  disabled={busy || !preview || problem !== undefined}
                  onClick={() => void save()}
                  data-testid="avatar-save"
                >
                  {action.pending === "avatar" ? t("social.working") : t("avatar.save")}
                </button>
                <button type="button" className="btn btn-ghost" disabled={busy} onClick={reset}>
                  {t("avatar.cancel")}
                </button>
              </div>
            </>
          ) : (
            <div className="actions">
              <button
                ref={chooseButton}
                type="button"
                className="btn btn-secondary"
                disabled={busy}
                onClick={() => file.current?.click()}
                data-testid="avatar-choose"
              >
                {current ? t("avatar.change") : t("avatar.choose")}
              </button>
              {current && (
                <button
                  type="button"
                  className="btn btn-ghost"
                  disabled={busy}
                  onClick={remove}
                  data-testid="avatar-remove"
                >
                  {action.pending === "avatar-remove" ? t("social.working") : t("avatar.remove")}
                </button>
              )}
            </div>
          )}
        </div>
      </div>
      <LiveMessage kind="alert" tone="error" message={problem ?? action.error} testId="avatar-error" />
      <LiveMessage kind="status" tone="success" message={action.done} testId="avatar-done" />
    </div>
  );
}

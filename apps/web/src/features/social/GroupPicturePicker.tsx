/** A group's picture, in its admin area: for whoever may rename the group (the owner). */
import type { GroupDetail } from "@sealroom/sdk/browser";
import { PicturePicker } from "./AvatarPicker.js";
import { useSocialStore } from "./context.js";
import { useSocialErrors } from "./errors.js";

export function GroupPicturePicker({ detail }: { detail: GroupDetail }) {
  const store = useSocialStore();
  const errors = useSocialErrors();
  const { group } = detail;
  return (
    <PicturePicker
      name={group.name}
      owner={{ groupId: group.id }}
      current={group.avatar}
      set={(image) => store.setGroupAvatar(group.id, image)}
      words={{
        title: "groupAvatar.title",
        previewAlt: "groupAvatar.previewAlt",
        saved: "groupAvatar.saved",
        removed: "groupAvatar.removed",
      }}
      overrides={errors.group}
    />
  );
}

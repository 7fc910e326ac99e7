/** Group name validation before sending: the protocol's own rule (checkGroupName), explained. */
import { SOCIAL_LIMITS, checkGroupName } from "@sealroom/sdk/browser";

export type GroupNameProblem = "required" | "long" | "characters";

export function groupNameProblem(raw: string): GroupNameProblem | undefined {
  if (checkGroupName(raw).ok) return undefined;
  const length = [...raw.normalize("NFC").trim()].length;
  if (length < SOCIAL_LIMITS.groupNameMin) return "required";
  if (length > SOCIAL_LIMITS.groupNameMax) return "long";
  return "characters";
}

import { useEffect, useState } from "react";
import { useSession } from "../../state/context.js";

/** The signed-in user's id (undefined outside the signed-in phase). */
export function useMe(): number | undefined {
  const { phase } = useSession();
  return phase.name === "signed-in" ? phase.user.id : undefined;
}

/** The signed-in user's username (how others mention them). */
export function useMyUsername(): string | undefined {
  const { phase } = useSession();
  return phase.name === "signed-in" ? phase.user.username : undefined;
}

/** Whether the page is visible (not a background tab or a minimised window). */
export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== "hidden");
  useEffect(() => {
    const onChange = () => setVisible(document.visibilityState !== "hidden");
    document.addEventListener("visibilitychange", onChange);
    return () => document.removeEventListener("visibilitychange", onChange);
  }, []);
  return visible;
}

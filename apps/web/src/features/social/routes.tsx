/** The screens behind the "friends", "groups" and "group/<id>" routes. */
import type { ReactNode } from "react";
import { groupOf, type Route } from "../../lib/hooks.js";
import { FriendsScreen } from "./FriendsScreen.js";
import { GroupScreen } from "./GroupScreen.js";
import { GroupsScreen } from "./GroupsScreen.js";

/** The social screen for a route, or undefined when the route belongs to another feature. */
export function socialScreen(route: Route): ReactNode | undefined {
  if (route === "friends") return <FriendsScreen key="friends" />;
  if (route === "groups") return <GroupsScreen key="groups" />;
  const groupId = groupOf(route);
  return groupId === undefined ? undefined : <GroupScreen key={route} groupId={groupId} />;
}

/** The screens behind the "friends", "groups" and "group/<id>" routes, and a group conversation's details panel. */
import type { ReactNode } from "react";
import { parseConversationId } from "@sealroom/sdk/browser";
import { conversationOf, detailsOpen, groupOf, hideDetails, type Route } from "../../lib/hooks.js";
import { FriendsScreen } from "./FriendsScreen.js";
import { GroupDetailsPanel } from "./GroupDetails.js";
import { GroupLink } from "./GroupLink.js";
import { GroupsScreen } from "./GroupsScreen.js";

/** The social screen for a route, or undefined when the route belongs to another feature. */
export function socialScreen(route: Route): ReactNode | undefined {
  if (route === "friends") return <FriendsScreen key="friends" />;
  if (route === "groups") return <GroupsScreen key="groups" />;
  const groupId = groupOf(route);
  return groupId === undefined ? undefined : <GroupLink key={route} groupId={groupId} />;
}

/** The details panel a "chat/group:<id>/details" route opens beside the conversation, if any. */
export function detailsPanel(route: Route): ReactNode | undefined {
  const conversationId = conversationOf(route);
  const ref = conversationId === undefined ? undefined : parseConversationId(conversationId);
  if (!detailsOpen(route) || conversationId === undefined || ref?.kind !== "group") return undefined;
  return <GroupDetailsPanel key={ref.groupId} groupId={ref.groupId} onClose={() => hideDetails(conversationId)} />;
}

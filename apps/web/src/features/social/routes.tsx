/** The social feature's routes (friends, groups, an old group page's address) and a group conversation's details panel. */
import { Navigate, useParams, type RouteObject } from "react-router";
import { parseConversationId } from "@sealroom/sdk/browser";
import { GROUPS, HOME, chatPath, conversationParam, groupParam, useDetailsNavigation } from "../../lib/routes.js";
import { FriendsScreen } from "./FriendsScreen.js";
import { GroupDetailsPanel } from "./GroupDetails.js";
import { GroupLink } from "./GroupLink.js";
import { GroupsScreen } from "./GroupsScreen.js";

export function socialRoutes(): RouteObject[] {
  return [
    { path: "friends", element: <FriendsScreen /> },
    { path: "groups", element: <GroupsScreen /> },
    { path: "group/:groupId", element: <GroupLinkRoute /> },
  ];
}

function GroupLinkRoute() {
  const groupId = groupParam(useParams().groupId);
  if (groupId === undefined) return <Navigate to={GROUPS} replace />;
  return <GroupLink key={groupId} groupId={groupId} />;
}

/** "chat/group:<id>/details": the group's details beside its conversation (a DM has none: back to it). */
export function GroupDetailsRoute() {
  const conversationId = conversationParam(useParams().conversationId);
  const { hide } = useDetailsNavigation(conversationId ?? "");
  if (conversationId === undefined) return <Navigate to={HOME} replace />;
  const ref = parseConversationId(conversationId);
  if (ref?.kind !== "group") return <Navigate to={chatPath(conversationId)} replace />;
  return <GroupDetailsPanel key={ref.groupId} groupId={ref.groupId} onClose={hide} />;
}

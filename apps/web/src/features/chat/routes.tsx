/** The chat's routes: a conversation, with its details panel or a message link as children. */
import { Navigate, useMatch, useOutlet, useParams } from "react-router";
import { DETAILS_PATTERN, HOME, conversationParam, seqParam } from "../../lib/routes.js";
import { ChatScreen } from "./ChatScreen.js";

/**
 * "chat/<conversationId>" and its children: one element for all of them, so opening and closing
 * the details panel (or following a message link) keeps the conversation mounted.
 */
export function ConversationRoute() {
  const conversationId = conversationParam(useParams().conversationId);
  const child = useOutlet();
  const details = useMatch(DETAILS_PATTERN) !== null;
  if (conversationId === undefined) return <Navigate to={HOME} replace />;
  return (
    <>
      <ChatScreen conversationId={conversationId} details={details ? child : undefined} />
      {!details && child}
    </>
  );
}

/** "chat/<conversationId>/m/<seq>": useMessageLinks follows it; a malformed one goes home. */
export function MessageLinkRoute() {
  return seqParam(useParams().seq) === undefined ? <Navigate to={HOME} replace /> : null;
}

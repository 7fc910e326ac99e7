/**
 * The app's routes: React Router 7's data router over hash history (createHashRouter). Hash
 * history because the server and the service worker's offline shell serve only `/`: every view's
 * address lives after the `#` (lib/routes.ts lists them), so links survive a reload with no server
 * route. React Router rather than TanStack Router: its route objects nest the way the views do (a
 * group's details panel is a child of its conversation, so toggling it keeps the conversation
 * mounted), it works on Node 20 at version 7, and it needs no code generation or bundler plugin.
 */
import { Navigate, createHashRouter, type RouteObject } from "react-router";
import { ChatScreen, ConversationRoute, MessageLinkRoute } from "../features/chat/index.js";
import { GroupDetailsRoute, socialRoutes } from "../features/social/index.js";
import { HOME } from "../lib/routes.js";
import { SettingsRoute } from "../screens/SettingsScreen.js";
import { App } from "./App.js";
import { RouteError } from "./RouteError.js";

/** What the signed-in frame (AppShell) shows in its main area, by address. */
export function signedInRoutes(): RouteObject[] {
  // A view that fails to render is replaced by a notice inside the frame, which stays usable.
  return [{ errorElement: <RouteError />, children: views() }];
}

function views(): RouteObject[] {
  return [
    { index: true, element: <ChatScreen conversationId={undefined} /> },
    { path: "settings", element: <SettingsRoute /> },
    ...socialRoutes(),
    {
      path: "chat/:conversationId",
      element: <ConversationRoute />,
      children: [
        { path: "details", element: <GroupDetailsRoute /> },
        { path: "m/:seq", element: <MessageLinkRoute /> },
      ],
    },
    // Anything else (a mistyped or outdated link) goes to the list rather than an empty page.
    { path: "*", element: <Navigate to={HOME} replace /> },
  ];
}

/** One router for the page's lifetime (main.tsx): the session's phases are its root element. */
export function createAppRouter() {
  return createHashRouter([{ path: "/", element: <App />, errorElement: <RouteError />, children: signedInRoutes() }]);
}

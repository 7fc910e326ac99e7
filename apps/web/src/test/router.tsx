/**
 * Component tests render inside React Router's hash router, as the app does (app/routes.tsx): links
 * and navigations write `window.location.hash`, and a test can start from an address by setting it
 * before rendering. The router is disposed when the test finishes.
 */
import type { ReactElement } from "react";
import { createHashRouter, type RouteObject } from "react-router";
import { RouterProvider } from "react-router/dom";
import { onTestFinished } from "vitest";

/** `ui` at every address, or the given routes. */
export function inRouter(ui: ReactElement | RouteObject[]): ReactElement {
  const router = createHashRouter(Array.isArray(ui) ? ui : [{ path: "*", element: ui }]);
  onTestFinished(() => router.dispose());
  return <RouterProvider router={router} useTransitions={false} />;
}

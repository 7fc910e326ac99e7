import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

// A browser fires popstate when the URL's fragment changes, which React Router's hash history
// listens for; jsdom fires only hashchange.
window.addEventListener("hashchange", () =>
  window.dispatchEvent(new PopStateEvent("popstate", { state: history.state })),
);

afterEach(() => {
  cleanup();
  localStorage.clear();
  window.location.hash = "";
  history.replaceState(null, ""); // a test's entry state (React Router's marks) stays with its test
});

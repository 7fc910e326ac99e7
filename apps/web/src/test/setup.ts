import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

// The web project runs its files in one module graph and one global scope per worker (`isolate:
// false` in vitest.config.ts), and this file runs again before each of them: what it adds to the
// window is added once, the hooks (reset per file) every time.
const marked = globalThis as { sealroomTestSetup?: true };
if (!marked.sealroomTestSetup) {
  marked.sealroomTestSetup = true;
  // A browser fires popstate when the URL's fragment changes, which React Router's hash history
  // listens for; happy-dom fires only hashchange.
  window.addEventListener("hashchange", () =>
    window.dispatchEvent(new PopStateEvent("popstate", { state: history.state })),
  );
}

afterEach(() => {
  cleanup();
  localStorage.clear();
  window.location.hash = "";
  history.replaceState(null, ""); // a test's entry state (React Router's marks) stays with its test
});

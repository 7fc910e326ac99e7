import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router/dom";
import { createAppRouter } from "./app/routes.js";
import { I18nProvider } from "./i18n/I18nProvider.js";
import { UpdatePrompt } from "./pwa/UpdatePrompt.js";
import { registerAppShell } from "./pwa/register.js";
import { InsecureContextScreen, hasWebCrypto } from "./screens/InsecureContextScreen.js";
import { SealroomProvider } from "./state/context.js";
import { createSealroom } from "./state/create.js";
import "./styles/index.css";

const root = createRoot(document.getElementById("root")!);

if (!hasWebCrypto()) {
  root.render(
    <StrictMode>
      <I18nProvider>
        <InsecureContextScreen origin={globalThis.location.origin} />
      </I18nProvider>
    </StrictMode>,
  );
} else {
  // One client for the page's lifetime, created outside React so StrictMode's double effects
  // cannot open two connections.
  const sealroom = createSealroom();
  void sealroom.session.start();
  const update = registerAppShell();
  const router = createAppRouter();
  root.render(
    <StrictMode>
      <I18nProvider>
        <SealroomProvider value={sealroom}>
          {/* Synchronous updates, as the hand-written router had: focus moves right after a navigation. */}
          <RouterProvider router={router} useTransitions={false} />
          <UpdatePrompt update={update} />
        </SealroomProvider>
      </I18nProvider>
    </StrictMode>,
  );
}

import { AuthScreen } from "../screens/AuthScreen.js";
import { FirstContactScreen } from "../screens/FirstContactScreen.js";
import { KeyChangedScreen } from "../screens/KeyChangedScreen.js";
import { ResumingScreen } from "../screens/ResumingScreen.js";
import { StartingScreen } from "../screens/StartingScreen.js";
import { UnreachableScreen } from "../screens/UnreachableScreen.js";
import { Outlet } from "react-router";
import { ChatProvider, QuickSwitcherProvider, useChatChrome, useMessageLinks } from "../features/chat/index.js";
import { usePlace } from "../lib/routes.js";
import { useChatServicesOf, useSession, useSessionActions } from "../state/context.js";
import { AppShell } from "./AppShell.js";
import { SocialProvider } from "../features/social/index.js";

/** One screen per session phase; the signed-in phase shows its routes (app/routes.tsx) in its frame. */
export function App() {
  const { phase } = useSession();
  const session = useSessionActions();
  switch (phase.name) {
    case "starting":
      return <StartingScreen />;
    case "unreachable":
      return <UnreachableScreen onRetry={() => session.retry()} />;
    case "first-contact":
      return (
        <FirstContactScreen
          host={phase.host}
          fingerprint={phase.fingerprint}
          onContinue={() => session.acceptFirstContact()}
        />
      );
    case "key-changed":
      return (
        <KeyChangedScreen
          host={phase.host}
          expected={phase.expected}
          actual={phase.actual}
          onTrust={() => session.trustNewKey()}
        />
      );
    case "resuming":
      return <ResumingScreen onSignInInstead={() => void session.abandonResume()} />;
    case "signed-out":
      return <AuthScreen notice={phase.notice} />;
    case "signed-in":
      return <SignedIn username={phase.user.username} />;
  }
}

function SignedIn({ username }: { username: string }) {
  const chat = useChatServicesOf();
  if (!chat) throw new Error("the signed-in app needs the chat services (createSealroom makes them)");
  return (
    <ChatProvider value={chat}>
      <SocialProvider>
        <SignedInRoutes username={username} />
      </SocialProvider>
    </ChatProvider>
  );
}

function SignedInRoutes({ username }: { username: string }) {
  useChatChrome(usePlace().conversationId);
  useMessageLinks();
  // Ctrl/Cmd+K opens the quick switcher anywhere in the signed-in app.
  return (
    <QuickSwitcherProvider>
      <AppShell username={username}>
        <Outlet />
      </AppShell>
    </QuickSwitcherProvider>
  );
}

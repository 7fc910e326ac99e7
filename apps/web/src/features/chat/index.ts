export { ChatProvider, useChatServices, useChatSnapshot, useOptionalChatServices, usePeople } from "./context.js";
export { ChatScreen } from "./ChatScreen.js";
export { ConversationList } from "./ConversationList.js";
export { createChatServices, type ChatServices, type ChatLike } from "./services.js";
export { useChatChrome } from "./chrome.js";
export { NewSignInNotice } from "./NewSignInNotice.js";
export { firstItemOnOpen } from "./menu-keys.js";
export { QuickSwitcherProvider } from "./QuickSwitcher.js";
export { useMessageLinks } from "./message-link.js";

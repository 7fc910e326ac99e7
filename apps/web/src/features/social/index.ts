/** Friends and groups: the social state for the whole app, and its screens. */
export { SocialProvider, useMyId, useOptionalSocial, useSocial, useSocialStore, type SocialLike } from "./context.js";
export type { FriendView, SocialView } from "./view.js";
export { FriendsScreen } from "./FriendsScreen.js";
export { GroupsScreen } from "./GroupsScreen.js";
export { GroupDetailsPanel, GROUP_DETAILS_ID } from "./GroupDetails.js";
export { CountBadge } from "./Person.js";
export { GroupDetailsRoute, socialRoutes } from "./routes.js";
export { useSocialNavItems, type NavItem } from "./nav.js";
export { ProfileForm } from "./ProfileForm.js";
export { AvatarPicker } from "./AvatarPicker.js";
export { PersonRow, personOf } from "./Person.js";

export { createInbox } from './inbox';
export { updateAppBadge } from './app-badge';
export type {
  Channel,
  Counts,
  Inbox,
  InboxError,
  InboxOptions,
  InboxState,
  InboxStatus,
  Locks,
  Notification,
  PushOptions,
  PushPlatform,
  PushRegistration,
  PushStatus,
  PushSubscriptionLike,
  Scheduler,
  Socket,
  StreamMessage,
  Transport,
  Visibility,
} from './types';

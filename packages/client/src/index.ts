export { createInbox } from './inbox';
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
  Scheduler,
  Socket,
  StreamMessage,
  Transport,
  Visibility,
} from './types';

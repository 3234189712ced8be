import { EdgeInboxElement } from './edge-inbox';

// Loading the module defines the element once, even if two bundles both carry it.
if (!customElements.get('edge-inbox')) customElements.define('edge-inbox', EdgeInboxElement);

export { EdgeInboxElement };
export { createInbox } from '@edge-inbox/client';
export type * from '@edge-inbox/client';

declare global {
  interface HTMLElementTagNameMap {
    'edge-inbox': EdgeInboxElement;
  }
}

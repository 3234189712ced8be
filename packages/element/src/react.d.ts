// React 19 passes props to custom elements as properties, so `<edge-inbox tokenProvider={getToken} />` needs no
// wrapper component: this module only types the element for TSX (`import type {} from '@edge-inbox/element/react'`).
import type { EdgeInboxElement } from './edge-inbox';

type EdgeInboxProps = {
  'base-url'?: string;
  token?: string;
  tokenProvider?: EdgeInboxElement['tokenProvider'];
  transport?: 'auto' | 'websocket' | 'sse' | 'poll';
  theme?: 'light' | 'dark';
  placement?: 'left';
  'page-size'?: number | string;
  open?: boolean;
  inline?: boolean;
  class?: string;
  className?: string;
  style?: unknown;
  ref?: unknown;
  key?: string | number;
  children?: never;
  [data: `data-${string}`]: string | undefined;
};

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'edge-inbox': EdgeInboxProps;
    }
  }
}

export type { EdgeInboxProps };

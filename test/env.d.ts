import type { D1Migration } from 'cloudflare:test';
import type { Bindings } from '../src/env';

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../src/index');
    }
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
      ADMIN_API_KEY: string;
      JWT_SECRET: string;
      JWT_JWKS: string;
      TEST_PRIVATE_JWK: string;
    }
  }
}

// zod.js has zod's exports but `locales`; its types are zod's (the test in test/build checks the difference).
export * from 'zod';
export { z, default } from 'zod';

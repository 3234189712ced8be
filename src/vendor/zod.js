// See zod-external.js: `zod` without its locales, shaped like zod's index.js.
import * as z from './zod-external.js';
export * from './zod-external.js';
export { z, z as default };

// zod's own entry point minus `z.locales`, and minus the schema compiler (`compile` and its kin) and
// `fromJSONSchema`, which nothing here uses and which were 41 KB of the Worker. `import { z } from 'zod'` is a namespace object that
// @hono/zod-openapi extends as a value, so the bundler has to keep every export of it, and the
// forty translation tables of `locales` were 260 KB of the Worker (more than half of it). The
// Worker answers in English only (zod registers English itself, in schemas.js), so wrangler.toml
// [alias] and vitest.config.ts point `zod` here. The lines below are zod 4.6.7's
// v4/classic/external.js with the paths made absolute to the package; test/build/zod-alias.test.ts
// fails if a zod upgrade adds or removes an export.
export * as core from "./zod-core.js";
export * from "../../node_modules/zod/v4/classic/schemas.js";
export * from "../../node_modules/zod/v4/classic/checks.js";
export * from "../../node_modules/zod/v4/classic/errors.js";
export * from "../../node_modules/zod/v4/classic/parse.js";
export * from "../../node_modules/zod/v4/classic/compat.js";
export { globalRegistry, registry, config, memoizer, $output, $input, $brand, clone, regexes, treeifyError, prettifyError, formatError, flattenError, TimePrecision, util, NEVER, toZod, getDiscriminatedOption, } from "../../node_modules/zod/v4/core/index.js";
export { toJSONSchema } from "../../node_modules/zod/v4/core/json-schema-processors.js";
export { deepPartial } from "../../node_modules/zod/v4/classic/deep-partial.js";
// Types and values both, from one module — re-exporting the types from core would collide.
export { input, output } from "../../node_modules/zod/v4/classic/in-out.js";
// iso must be exported from top-level https://github.com/colinhacks/zod/issues/4491
export { ZodISODateTime, ZodISODate, ZodISOTime, ZodISODuration } from "../../node_modules/zod/v4/classic/iso.js";
export * as iso from "../../node_modules/zod/v4/classic/iso.js";
export * as coerce from "../../node_modules/zod/v4/classic/coerce.js";

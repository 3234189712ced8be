import { describe, expect, it } from 'vitest';
import * as zod from '../../node_modules/zod/index.js';
import * as lean from '../../src/vendor/zod.js';

// The Worker bundles src/vendor/zod.js for `zod` (wrangler.toml [alias]): zod without `locales`, its schema
// compiler and `fromJSONSchema` (unused here, and most of the Worker's size). A zod upgrade that changes zod's
// exports must change the copy too; this says so.

const LEFT_OUT = new Set(['locales', 'compile', 'compileFn', 'withParser', 'INVALID', 'ZodCompileAsyncError', 'ZodCompileUnsupportedError', 'fromJSONSchema']);
const withoutLocales = (names: string[]) => names.filter((name) => !LEFT_OUT.has(name)).sort();

describe('zod without locales', () => {
  it('exports everything zod exports but its translations', () => {
    expect(Object.keys(lean).sort()).toEqual(withoutLocales(Object.keys(zod)));
    expect(Object.keys(lean.z).sort()).toEqual(withoutLocales(Object.keys(zod.z)));
    expect(Object.keys(lean.core).sort()).toEqual(withoutLocales(Object.keys(zod.core)));
    expect('locales' in lean.z).toBe(false);
    expect('compile' in lean.z || 'fromJSONSchema' in lean.z).toBe(false);
  });

  it('is the zod the Worker uses, and still speaks English', async () => {
    const { z } = await import('@hono/zod-openapi');
    expect('locales' in z).toBe(false);
    const result = z.string().uuid().safeParse('nope');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('Invalid UUID');
  });
});

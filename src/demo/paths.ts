/** The demo's paths (wrangler.toml's run_worker_first lists the same), kept apart so that matching them loads nothing. */
export const isDemoPath = (path: string) => path === '/' || path === '/sw.js' || path === '/demo' || path.startsWith('/demo/');

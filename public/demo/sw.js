// The demo's service worker, served at /sw.js (only where the demo is on) so that its scope, /, covers the demo app's
// (public/demo/manifest.webmanifest): Chromium sets the app's icon badge from a worker only for apps inside its scope.
// Everything it does is the inbox's worker: an app of yours does the same with its own /sw.js.
importScripts('/inbox/sw.js');

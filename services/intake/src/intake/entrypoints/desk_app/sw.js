// The desk app's service worker: the app shell from its cache (a new version comes as a new
// worker, offered to the operator), the reference data network-first, QR codes once fetched.
const VERSION = "__APP_VERSION__";
const SHELL = `slrt-desk-shell-${VERSION}`;
const DATA = "slrt-desk-data";
const FILES = ["/app/", "/app/app.js", "/app/app.css", "/app/manifest.webmanifest", "/app/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(FILES)));
});
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith("slrt-desk-shell-") && name !== SHELL) await caches.delete(name);
    await self.clients.claim();
  })());
});
self.addEventListener("message", (event) => { if (event.data === "skip-waiting") self.skipWaiting(); });
self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/app" || url.pathname.startsWith("/app/")) {
    const key = req.mode === "navigate" ? "/app/" : url.pathname;
    event.respondWith(caches.open(SHELL).then(async (c) => (await c.match(key)) ?? fetch(req)));
  } else if (url.pathname === "/v1/desk/reference") {
    event.respondWith((async () => {
      const c = await caches.open(DATA);
      try {
        const res = await fetch(req);
        if (res.ok) await c.put(url.pathname, res.clone());
        return res;
      } catch (err) {
        return (await c.match(url.pathname)) ?? Promise.reject(err);
      }
    })());
  } else if (/^\/v1\/track\/[^/]+\/qr\.svg$/.test(url.pathname)) {
    event.respondWith(caches.open(DATA).then(async (c) => {
      const hit = await c.match(url.pathname);
      if (hit) return hit;
      const res = await fetch(req);
      if (res.ok) await c.put(url.pathname, res.clone());
      return res;
    }));
  }
});

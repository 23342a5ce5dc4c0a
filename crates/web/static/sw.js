// congso's service worker: keeps on the phone what a citizen must be able to show at a counter with no network,
// and nothing else.
//
// - The digital ID (its page and QR images) and each signed document's page (results of dossiers among them) are
//   kept when the citizen opens them: fetched from the network first, stored on every successful view, and shown
//   from the phone when the network is away.
// - The stylesheet, scripts, icons and manifest are kept the same way, so a kept page still looks right.
// - Everything else goes to the network only and is never stored: no other page and no API answer, all of which
//   carry personal data. A page that cannot be reached offline gets the offline page, which says so.
// - Signing out forgets everything kept, so that the next person using the phone sees none of it.

const CACHE = "congso-v1";
const OFFLINE = "/static/offline.html";
const SHELL = ["/static/app.css", "/static/app.js", "/static/icon-192.png", "/manifest.webmanifest", OFFLINE];
const KEPT = [/^\/me\/digital-id$/, /^\/me\/digital-id\/qr\.(svg|png)$/, /^\/me\/documents\/[0-9a-f]{32}$/, /^\/me\/dossiers\/[A-Z0-9.]+-\d{6}-\d{6}\/result$/];
const ASSETS = /^\/static\/|^\/manifest\.webmanifest$/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

async function forget() {
  await caches.delete(CACHE);
  // The shell comes back at once: it holds nothing personal.
  const cache = await caches.open(CACHE);
  await cache.addAll(SHELL).catch(() => {});
}

// Network first; a successful answer is stored for the time the network is away.
async function keptOnView(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic" && !response.redirected) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (offline) {
    const kept = await cache.match(request, { ignoreVary: true, ignoreSearch: true });
    if (kept) {
      return kept;
    }
    throw offline;
  }
}

async function networkOnly(request) {
  try {
    return await fetch(request);
  } catch (offline) {
    if (request.mode === "navigate") {
      const page = await caches.match(OFFLINE);
      if (page) {
        return page;
      }
    }
    throw offline;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.method === "POST" && url.pathname === "/signout") {
    event.respondWith(forget().then(() => fetch(request)));
    return;
  }
  if (request.method !== "GET") {
    return;
  }
  if (KEPT.some((pattern) => pattern.test(url.pathname)) || ASSETS.test(url.pathname)) {
    event.respondWith(keptOnView(request).catch(() => networkOnly(request)));
    return;
  }
  event.respondWith(networkOnly(request));
});

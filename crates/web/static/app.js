// Makes congso an installable app: registers the service worker (see /sw.js), which keeps the digital ID and
// the signed documents a citizen opened available with no network. Pages work the same without it.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}

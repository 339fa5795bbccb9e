// Service worker of the leaders' phone pages (scope /fieldwork/m/, served by the app).
// Pages: network first, the last copy when offline (then the offline page). Static files:
// cache first. POSTs always go to the network; the page's outbox keeps what fails.
"use strict";
var CACHE = "loudong-phone-v1";
var OFFLINE = "/fieldwork/m/offline/";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.add(OFFLINE); }).catch(function () {}));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches["delete"](n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      caches.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) {
            var copy = response.clone();
            caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
          }
          return response;
        });
      })
    );
    return;
  }
  if (request.mode === "navigate" && url.pathname.indexOf("/fieldwork/m/") === 0) {
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && !response.redirected) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      }, function () {
        return caches.match(request).then(function (hit) { return hit || caches.match(OFFLINE); });
      })
    );
  }
});

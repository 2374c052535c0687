/* The storefront's only script: keeps the header's cart badge (and the /cart page) in step
 * with carts changed in the chat. The widget fires `shopchat:cart` (detail = the cart
 * payload) when a bot message carries a cart. Text goes in with textContent; the /cart
 * page is re-read from the server (its own escaped HTML), never built from message text.
 * Everything here is an enhancement: the pages and forms work without it. */
(function () {
  'use strict';

  function setBadge(count) {
    var badge = document.getElementById('cart-count');
    if (!badge || typeof count !== 'number') return;
    badge.textContent = String(count);
    badge.setAttribute('aria-label', count + ' items in the cart');
  }

  function refreshCartPage() {
    var current = document.getElementById('cart-content');
    if (!current) return;
    fetch('/cart', { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (resp) { return resp.ok ? resp.text() : Promise.reject(resp.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('cart-content');
        if (fresh) current.replaceWith(document.importNode(fresh, true));
      })
      .catch(function () { /* the page keeps what it shows; a reload shows the rest */ });
  }

  function refreshFromServer() {
    fetch('/api/cart', { credentials: 'same-origin' })
      .then(function (resp) { return resp.ok ? resp.json() : Promise.reject(resp.status); })
      .then(function (cart) { setBadge(cart.item_count); })
      .catch(function () { /* keep the server-rendered count */ });
  }

  window.addEventListener('shopchat:cart', function (event) {
    var cart = event.detail || {};
    setBadge(cart.item_count);
    refreshCartPage();
  });

  // a page restored from the back/forward cache may show an old count
  window.addEventListener('pageshow', function (event) {
    if (event.persisted) refreshFromServer();
  });
})();

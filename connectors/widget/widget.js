/*
 * ShopChat: the shop's chat widget. One script tag, no dependencies, no build step.
 *
 *   <script src=".../widget/widget.js" defer data-server="http://127.0.0.1:5005"></script>
 *
 * It speaks Rasa's own socket.io channel (session_request / session_confirm, user_uttered,
 * bot_uttered) through a small Socket.IO v5 / Engine.IO v4 client over WebSocket, so the
 * server needs nothing widget-specific. Message text is only ever put in the page as text
 * nodes (the small markdown subset below builds elements); no innerHTML anywhere.
 * See docs/widget.md for the options, the JS API, the events and the payloads it renders.
 */
(function () {
  'use strict';
  if (window.ShopChat) return; // the tag twice on one page: keep the first widget

  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  var SERVER = (data.server || location.origin).replace(/\/+$/, '');
  var cfg = {
    path: data.socketPath || '/socket.io',
    title: data.title || 'Shop assistant',
    color: data.color || '',
    lang: data.lang || 'en',
    historyUrl: data.historyUrl || '',
    upload: data.upload === 'on',
    voice: data.voice === 'on',
    // the voice gateway (python -m voice serve) the microphone talks to
    voiceServer: (data.voiceServer || location.origin).replace(/\/+$/, ''),
  };
  var customerToken = data.customerToken || '';
  var page = { product_id: data.pageProduct || null, url: null };
  var TYPING_MS = 15000;
  var MAX_CHARS = 2000;

  // ---------------------------------------------------------------- storage and ids
  function storage(kind) {
    try {
      return window[kind];
    } catch (e) {
      return null; // storage blocked (privacy settings, sandboxed frame)
    }
  }
  function load(store, key) {
    try {
      return store ? store.getItem(key) : null;
    } catch (e) {
      return null;
    }
  }
  function save(store, key, value) {
    try {
      if (store) store.setItem(key, value);
    } catch (e) {
      /* full or blocked: the widget still works for this page view */
    }
  }
  function uuid() {
    var c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) {
      return (x + 256).toString(16).slice(1);
    }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  var local = storage('localStorage');
  var tabStore = storage('sessionStorage');
  var sessionKey = 'shopchat:session:' + SERVER;
  // The storefront passes its own id (also its cart key); other pages keep one per server.
  var sessionId = data.sessionId || load(local, sessionKey);
  if (!sessionId) {
    sessionId = uuid().replace(/-/g, '');
    save(local, sessionKey, sessionId);
  }
  var outboxKey = 'shopchat:outbox:' + SERVER + ':' + sessionId;

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text != null) n.textContent = String(text);
    return n;
  }
  function attrs(n, map) {
    Object.keys(map).forEach(function (k) {
      n.setAttribute(k, map[k]);
    });
    return n;
  }
  var SVG = 'http://www.w3.org/2000/svg';
  function icon(d) {
    var s = document.createElementNS(SVG, 'svg');
    attrs(s, { viewBox: '0 0 24 24', width: '22', height: '22', 'aria-hidden': 'true', focusable: 'false' });
    var p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', d);
    s.appendChild(p);
    return s;
  }
  var ICONS = {
    chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z',
    close: 'M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z',
    send: 'M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z',
    image: 'M4 5h16v14H4zm2 12h12l-4-5-3 4-2-2zm2-7a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3z',
    mic: 'M12 15a3 3 0 0 0 3-3V6a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V22h2v-3.1a7 7 0 0 0 6-6.9z',
  };
  function button(cls, label, onClick) {
    var b = el('button', cls, label);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }
  function iconButton(cls, label, d, onClick) {
    var b = button(cls, null, onClick);
    b.setAttribute('aria-label', label);
    b.appendChild(icon(d));
    return b;
  }
  // Only absolute http(s) and mailto links: no javascript:, data: or other schemes.
  function safeUrl(raw, allowMail) {
    try {
      var u = new URL(String(raw), location.href);
      if (u.protocol === 'http:' || u.protocol === 'https:' || (allowMail && u.protocol === 'mailto:')) return u.href;
    } catch (e) {
      /* not a URL */
    }
    return null;
  }
  function link(href, label, newTab) {
    var url = safeUrl(href, true);
    if (!url) return document.createTextNode(label);
    var a = el('a', null, label);
    a.href = url;
    if (newTab !== false) {
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
    }
    return a;
  }

  // ---------------------------------------------------------------- safe markdown
  // Links [t](url) and bare URLs, **bold**, *italic*, line breaks, "- " and "1. " lists.
  var INLINE =
    '\\[([^\\]\\n]+)\\]\\(([^)\\s]+)\\)|\\*\\*([^*\\n]+?)\\*\\*|\\*([^*\\s](?:[^*\\n]*[^*\\s])?)\\*|' +
    "((?:https?://|mailto:)[^\\s<>()]*[^\\s<>().,;:!?'\"])";
  function inline(text, parent) {
    var re = new RegExp(INLINE, 'g');
    var last = 0;
    var m;
    while ((m = re.exec(text))) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      if (m[1] != null) parent.appendChild(link(m[2], m[1]));
      else if (m[3] != null || m[4] != null) {
        var n = el(m[3] != null ? 'strong' : 'em');
        inline(m[3] != null ? m[3] : m[4], n);
        parent.appendChild(n);
      } else parent.appendChild(link(m[5], m[5]));
      last = re.lastIndex;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }
  function markdown(text, parent) {
    var list = null;
    var para = null;
    String(text).split(/\r?\n/).forEach(function (line) {
      var bullet = /^\s*[-*\u2022]\s+(.*)$/.exec(line);
      var num = bullet ? null : /^\s*(\d{1,4})[.)]\s+(.*)$/.exec(line);
      if (bullet || num) {
        var tag = bullet ? 'UL' : 'OL';
        if (!list || list.tagName !== tag) {
          list = el(tag.toLowerCase());
          if (num && num[1] !== '1') list.start = Number(num[1]);
          parent.appendChild(list);
        }
        var li = el('li');
        inline(bullet ? bullet[1] : num[2], li);
        list.appendChild(li);
        para = null;
      } else if (!line.trim()) {
        list = para = null;
      } else {
        list = null;
        if (para) para.appendChild(el('br'));
        else para = parent.appendChild(el('p'));
        inline(line, para);
      }
    });
  }

  // ---------------------------------------------------------------- the UI
  var root = attrs(el('div', 'shopchat-root'), { id: 'shopchat-root', lang: cfg.lang });
  if (cfg.color) root.style.setProperty('--shopchat-color', cfg.color);
  var launcher = iconButton('shopchat-launcher', 'Open chat', ICONS.chat, function () {
    if (panel.hidden) open();
    else close();
  });
  attrs(launcher, { id: 'shopchat-launcher', 'aria-expanded': 'false', 'aria-controls': 'shopchat-panel' });
  var panel = attrs(el('div', 'shopchat-panel'), { id: 'shopchat-panel', role: 'dialog', 'aria-labelledby': 'shopchat-title' });
  panel.hidden = true;
  var header = el('div', 'shopchat-header');
  header.appendChild(attrs(el('h2', 'shopchat-title', cfg.title), { id: 'shopchat-title' }));
  header.appendChild(iconButton('shopchat-close', 'Close chat', ICONS.close, close));
  var status = attrs(el('div', 'shopchat-status'), { role: 'status' });
  var log = attrs(el('div', 'shopchat-log'), { role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation', tabindex: '0' });
  var typingSlot = el('div', 'shopchat-typing-slot');
  var form = el('form', 'shopchat-form');
  var label = attrs(el('label', 'shopchat-sr', 'Message'), { for: 'shopchat-input' });
  var input = attrs(el('input', 'shopchat-input'), {
    id: 'shopchat-input',
    type: 'text',
    autocomplete: 'off',
    maxlength: String(MAX_CHARS),
    placeholder: 'Type a message\u2026',
  });
  var sendButton = iconButton('shopchat-send', 'Send', ICONS.send, function () {});
  sendButton.type = 'submit';
  sendButton.id = 'shopchat-send';
  form.appendChild(label);
  // Room for the upload service: shown only when the merchant turns it on; it announces a
  // click to the page (shopchat:upload) and does nothing else yet. The microphone: see voice.
  if (cfg.upload)
    form.appendChild(iconButton('shopchat-upload', 'Attach an image', ICONS.image, function () {
      fire('shopchat:upload', null);
    }));
  var voiceButton = null;
  if (cfg.voice) {
    voiceButton = iconButton('shopchat-voice', 'Speak a message', ICONS.mic, function () {
      fire('shopchat:voice', null);
      toggleVoice();
    });
    voiceButton.setAttribute('aria-pressed', 'false');
    form.appendChild(voiceButton);
  }
  form.appendChild(input);
  form.appendChild(sendButton);
  [header, status, log, typingSlot, form].forEach(function (n) {
    panel.appendChild(n);
  });
  root.appendChild(panel);
  root.appendChild(launcher);

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    sendUser(text, text);
  });
  panel.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      close();
    }
  });

  function open() {
    panel.hidden = false;
    root.classList.add('shopchat-open');
    launcher.classList.remove('shopchat-unread');
    launcher.setAttribute('aria-expanded', 'true');
    launcher.setAttribute('aria-label', 'Close chat');
    scrollDown();
    input.focus();
  }
  function close() {
    var wasOpen = !panel.hidden;
    panel.hidden = true;
    root.classList.remove('shopchat-open');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-label', 'Open chat');
    if (wasOpen) launcher.focus();
  }
  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }
  function fire(name, detail) {
    window.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }
  function setStatus(text) {
    status.textContent = text || '';
    status.hidden = !text;
  }

  function timeEl(ms) {
    var d = new Date(ms);
    var shown;
    try {
      shown = d.toLocaleTimeString(cfg.lang, { hour: '2-digit', minute: '2-digit' });
    } catch (e) {
      shown = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }); // bad data-lang
    }
    var t = el('time', 'shopchat-time', shown);
    t.dateTime = d.toISOString();
    return t;
  }
  // One message row: author line (agents), bubble, extras (cards, buttons), time.
  function addRow(kind, agentName) {
    var row = el('div', 'shopchat-msg shopchat-msg-' + kind + (agentName ? ' shopchat-msg-agent' : ''));
    if (agentName) row.appendChild(el('div', 'shopchat-author', agentName));
    log.appendChild(row);
    return row;
  }
  function finishRow(row, ms) {
    row.appendChild(timeEl(ms));
    scrollDown();
    return row;
  }
  function note(text) {
    log.appendChild(el('div', 'shopchat-note', text));
    scrollDown();
  }

  // ---------------------------------------------------------------- typing indicator
  var typingTimer = null;
  function typing(on) {
    clearTimeout(typingTimer);
    while (typingSlot.firstChild) typingSlot.removeChild(typingSlot.firstChild);
    if (!on) return;
    var t = attrs(el('div', 'shopchat-typing'), { role: 'status', 'aria-label': 'The assistant is typing' });
    for (var i = 0; i < 3; i++) t.appendChild(el('span', 'shopchat-dot'));
    typingSlot.appendChild(t);
    typingTimer = setTimeout(typing, TYPING_MS, false);
  }

  // ---------------------------------------------------------------- agent banner
  var banner = null;
  function setAgent(name) {
    if (banner) banner.remove();
    banner = null;
    if (name) {
      banner = el('div', 'shopchat-agent-banner', 'You are talking to ' + name);
      panel.insertBefore(banner, log);
    }
  }

  // ---------------------------------------------------------------- cards
  function quickReplies(parent, replies) {
    var group = el('div', 'shopchat-quick-replies');
    replies.forEach(function (r) {
      if (!r || typeof r.payload !== 'string') return;
      var title = String(r.title || r.payload);
      var b = button('shopchat-quick-reply', title, function () {
        b.classList.add('shopchat-chosen');
        sendUser(r.payload, title);
      });
      group.appendChild(b);
    });
    if (group.firstChild) parent.appendChild(group);
  }
  function line(parent, cls, text) {
    if (text != null && text !== '') parent.appendChild(el('div', cls, text));
  }
  function image(src, alt, cls) {
    var url = src && safeUrl(src, false);
    if (!url) return null;
    var img = attrs(el('img', cls), { alt: alt || '', loading: 'lazy' });
    img.src = url;
    return img;
  }
  function productsCard(c) {
    var car = attrs(el('div', 'shopchat-carousel'), { role: 'list', 'aria-label': 'Products' });
    (c.products || []).forEach(function (p) {
      var title = String(p.title || '');
      var card = attrs(el('div', 'shopchat-card shopchat-product'), { role: 'listitem' });
      var img = image(p.image, p.image_alt || title, 'shopchat-product-img');
      if (img) card.appendChild(img);
      line(card, 'shopchat-card-title', title);
      line(card, 'shopchat-brand', p.brand);
      line(card, 'shopchat-price', p.price);
      line(card, 'shopchat-stock' + (p.in_stock === false ? ' shopchat-out' : ''), p.stock_label);
      var actions = el('div', 'shopchat-card-actions');
      if (p.add_payload) {
        var add = button('shopchat-add', 'Add to cart', function () {
          sendUser(p.add_payload, 'Add ' + title + ' to cart');
        });
        add.setAttribute('aria-label', 'Add ' + title + ' to cart');
        add.disabled = p.in_stock === false;
        actions.appendChild(add);
      }
      var url = p.url && safeUrl(p.url, false);
      var details = null;
      if (url) {
        details = el('a', 'shopchat-details', 'Details');
        details.href = url;
      } else if (p.details_payload) {
        details = button('shopchat-details', 'Details', function () {
          sendUser(p.details_payload, 'Details of ' + title);
        });
      }
      if (details) {
        details.setAttribute('aria-label', 'Details of ' + title);
        actions.appendChild(details);
      }
      card.appendChild(actions);
      car.appendChild(card);
    });
    return car;
  }
  function cartCard(c, replies) {
    var card = el('div', 'shopchat-card shopchat-cart');
    var lines = c.lines || [];
    var count = c.item_count != null ? c.item_count : lines.length;
    line(card, 'shopchat-card-title', 'Your cart' + (lines.length ? ' (' + count + (count === 1 ? ' item)' : ' items)') : ''));
    if (!lines.length) line(card, 'shopchat-empty', 'Your cart is empty.');
    var ul = el('ul', 'shopchat-lines');
    lines.forEach(function (l) {
      var li = el('li', 'shopchat-line');
      var img = image(l.image, '', 'shopchat-line-img');
      if (img) li.appendChild(img);
      var body = el('div', 'shopchat-line-body');
      line(body, 'shopchat-line-title', l.title);
      line(body, 'shopchat-options', l.options);
      line(body, 'shopchat-qty', l.quantity + ' \u00d7 ' + (l.unit_price || ''));
      li.appendChild(body);
      line(li, 'shopchat-line-total', l.line_total);
      ul.appendChild(li);
    });
    if (lines.length) {
      card.appendChild(ul);
      line(card, 'shopchat-subtotal', 'Subtotal: ' + (c.subtotal || ''));
      var has = (replies || []).some(function (r) {
        return r && r.payload === '/checkout';
      });
      if (!has) quickReplies(card, [{ title: 'Checkout', payload: '/checkout' }]);
    }
    return card;
  }
  function orderCard(c) {
    var card = el('div', 'shopchat-card shopchat-order');
    line(card, 'shopchat-card-title', 'Order ' + (c.number || ''));
    var st = el('div', 'shopchat-order-status', c.status_label || c.status || '');
    if (c.status) st.setAttribute('data-status', String(c.status));
    card.appendChild(st);
    if (c.placed_on) line(card, 'shopchat-placed', 'Placed on ' + c.placed_on);
    var ul = el('ul', 'shopchat-lines');
    (c.items || []).forEach(function (i) {
      ul.appendChild(el('li', 'shopchat-line', i.quantity + ' \u00d7 ' + i.title));
    });
    if (ul.firstChild) card.appendChild(ul);
    if (c.total) line(card, 'shopchat-subtotal', 'Total: ' + c.total);
    var t = c.tracking;
    if (t) {
      var tr = el('div', 'shopchat-tracking');
      tr.appendChild(document.createTextNode([t.carrier, t.code].filter(Boolean).join(' ') + ' '));
      if (t.url) tr.appendChild(link(t.url, 'Track package'));
      card.appendChild(tr);
      line(card, 'shopchat-last-event', t.last_event);
    }
    return card;
  }
  var CARDS = { products: productsCard, cart: cartCard, order: orderCard };

  // ---------------------------------------------------------------- messages
  function renderUser(text, ms, pending) {
    var row = addRow('user');
    row.appendChild(el('div', 'shopchat-bubble', text));
    if (pending) row.appendChild(el('div', 'shopchat-sending', 'sending\u2026'));
    return finishRow(row, ms);
  }
  // A bot message (live or from history): the text, then the card. The text is a complete
  // fallback for clients without cards, so for products and cart its list lines ("1. ...",
  // "- ...") are left out: the card shows them; the sentences around them stay.
  function renderBot(m, ms, live) {
    var c = m.custom && typeof m.custom === 'object' ? m.custom : null;
    var type = c ? c.type : null;
    var agent = c && c.agent && c.agent.name ? String(c.agent.name) : null;
    if (type === 'handoff' && c.state === 'joined') setAgent(agent);
    if (type === 'agent_message' && agent && !banner) setAgent(agent);
    var draw = CARDS[type];
    var text = typeof m.text === 'string' ? m.text : '';
    if (type === 'products' || type === 'cart')
      text = text
        .split('\n')
        .filter(function (l) {
          return !/^\s*(\d{1,3}[.)]|[-*\u2022])\s/.test(l);
        })
        .join('\n')
        .trim();
    var replies = Array.isArray(m.quick_replies) ? m.quick_replies : [];
    var picture = m.attachment && m.attachment.type === 'image' && m.attachment.payload ? m.attachment.payload.src : null;
    var pictureUrl = picture ? safeUrl(picture, false) : null;
    if (text || draw || replies.length || pictureUrl) {
      var row = addRow('bot', type === 'agent_message' ? agent || 'Agent' : null);
      if (text) {
        var bubble = el('div', 'shopchat-bubble');
        markdown(text, bubble);
        row.appendChild(bubble);
      }
      if (pictureUrl) {
        var img = row.appendChild(image(pictureUrl, '', 'shopchat-image'));
        // an image that does not load leaves no empty message behind
        img.addEventListener('error', function () {
          (text || draw || replies.length ? img : row).remove();
        });
      }
      if (draw) row.appendChild(draw(c, replies));
      if (type === 'handoff' && c.state === 'queued' && c.wait_minutes != null)
        row.appendChild(el('div', 'shopchat-card shopchat-handoff', 'Waiting for an agent, about ' + c.wait_minutes + ' min'));
      quickReplies(row, replies);
      finishRow(row, ms);
    }
    if (type === 'handoff' && c.state === 'ended') {
      setAgent(null);
      note('You are back with the shop assistant');
    }
    if (live && type === 'cart') fire('shopchat:cart', c);
  }
  // Buttons of older messages stop working once the shopper has answered.
  function retireButtons() {
    Array.prototype.forEach.call(log.querySelectorAll('.shopchat-quick-reply'), function (b) {
      b.disabled = true;
    });
  }

  // ---------------------------------------------------------------- outbox
  // Messages wait here (sessionStorage, so a reload keeps them) until the server has
  // acknowledged them. Each keeps its message_id, so a resend after a drop is deduplicated
  // by the channel; in the normal path each is emitted exactly once.
  var outbox = [];
  try {
    outbox = JSON.parse(load(tabStore, outboxKey) || '[]');
    if (!Array.isArray(outbox)) outbox = [];
    outbox.forEach(function (item) {
      item.inFlight = false;
    });
  } catch (e) {
    outbox = [];
  }
  var rows = {}; // message_id -> row of a message still marked "sending…"
  function keepOutbox() {
    save(tabStore, outboxKey, JSON.stringify(outbox));
  }
  function metadata(id) {
    var md = {
      message_id: id,
      page: { url: page.url || location.href, product_id: page.product_id || null, title: document.title },
    };
    if (customerToken) md.customer_token = customerToken;
    return md;
  }
  function sendUser(text, shown) {
    text = String(text).slice(0, MAX_CHARS);
    if (!text.trim()) return;
    retireButtons();
    var item = { id: uuid(), text: text, shown: String(shown || text), ts: Date.now(), emitted: false };
    outbox.push(item);
    keepOutbox();
    rows[item.id] = renderUser(item.shown, item.ts, true);
    flush();
  }
  function flush() {
    if (!confirmed || !historyDone) return; // after the history, so nothing is drawn twice
    outbox.forEach(function (item) {
      if (item.inFlight) return;
      var ok = sock.emit('user_uttered', { message: item.text, session_id: sessionId, metadata: metadata(item.id) }, function () {
        outbox = outbox.filter(function (o) {
          return o.id !== item.id;
        });
        keepOutbox();
      });
      if (!ok) return;
      item.inFlight = true; // until the ack, or until this connection ends
      if (!item.emitted) {
        item.emitted = true;
        typing(!banner); // a person answers in their own time: no dots while one is there
      }
      keepOutbox();
      var row = rows[item.id];
      var s = row && row.querySelector('.shopchat-sending');
      if (s) s.remove();
      delete rows[item.id];
    });
  }

  // ---------------------------------------------------------------- socket.io client
  // Engine.IO v4 packets: 0 open, 1 close, 2 ping, 3 pong, 4 message; Socket.IO v5 inside
  // a message: 0 connect, 1 disconnect, 2 event, 3 ack, 4 connect error.
  function Socket(url, on) {
    var ws = null;
    var ready = false;
    var attempt = 0;
    var retryTimer = null;
    var beatTimer = null;
    var beatMs = 45000;
    var acks = {};
    var nextAck = 0;

    function raw(s) {
      if (ws && ws.readyState === 1) {
        ws.send(s);
        return true;
      }
      return false;
    }
    function beat() {
      clearTimeout(beatTimer);
      beatTimer = setTimeout(drop, beatMs); // no ping in interval + timeout: the link is dead
    }
    function connect() {
      clearTimeout(retryTimer);
      retryTimer = null;
      if (ws) return;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        ws = null;
        return retry();
      }
      beat();
      ws.onmessage = function (ev) {
        packet(String(ev.data));
      };
      ws.onclose = down;
    }
    function packet(p) {
      var t = p.charAt(0);
      if (t === '0') {
        try {
          var o = JSON.parse(p.slice(1));
          beatMs = (o.pingInterval || 25000) + (o.pingTimeout || 20000);
        } catch (e) {
          /* keep the defaults */
        }
        beat();
        raw('40');
      } else if (t === '2') {
        beat();
        raw('3');
      } else if (t === '1') drop();
      else if (t === '4') message(p.slice(1));
    }
    function message(p) {
      var t = p.charAt(0);
      if (t === '0') {
        ready = true;
        on.connect();
      } else if (t === '1' || t === '4') drop();
      else if (t === '2' || t === '3') {
        var m = /^(\d*)([\s\S]*)$/.exec(p.slice(1));
        var args;
        try {
          args = JSON.parse(m[2]);
        } catch (e) {
          return;
        }
        if (!Array.isArray(args)) return;
        if (t === '2') {
          if (m[1]) raw('43' + m[1] + '[]');
          on.event(args[0], args[1]);
        } else {
          var cb = acks[m[1]];
          delete acks[m[1]];
          if (cb) cb(args);
        }
      }
    }
    function drop() {
      if (ws) {
        ws.onclose = ws.onmessage = null;
        try {
          ws.close();
        } catch (e) {
          /* already closed */
        }
      }
      down();
    }
    function down() {
      clearTimeout(beatTimer);
      if (ws) ws.onclose = ws.onmessage = null;
      ws = null;
      ready = false;
      acks = {};
      on.down();
      retry();
    }
    function retry() {
      if (retryTimer) return;
      // exponential backoff 1 s .. 30 s with +-25 % jitter, so a restarted server is not
      // hit by every open page in the same second
      var base = Math.min(30000, 1000 * Math.pow(2, attempt++));
      var delay = Math.max(1000, Math.min(30000, base * (0.75 + Math.random() * 0.5)));
      retryTimer = setTimeout(connect, delay);
    }
    return {
      connect: connect,
      drop: drop,
      now: function () {
        attempt = 0;
        if (!ws) connect();
      },
      connected: function () {
        attempt = 0;
      },
      emit: function (name, payload, ack) {
        if (!ready) return false;
        var id = '';
        if (ack) {
          id = String(++nextAck);
          acks[id] = ack;
        }
        return raw('42' + id + JSON.stringify([name, payload]));
      },
    };
  }

  var confirmed = false;
  var everConfirmed = false;
  var ready = false;
  var historyDone = false;
  var early = []; // live bot messages that arrived while the history was loading
  var lastSeen = []; // the last bot messages of the history, to drop such a message twice
  var wsUrl = SERVER.replace(/^http/i, 'ws') + cfg.path.replace(/\/*$/, '/') + '?EIO=4&transport=websocket';
  var sock = Socket(wsUrl, {
    connect: function () {
      sock.emit('session_request', { session_id: sessionId });
    },
    event: function (name, payload) {
      if (name === 'session_confirm') {
        confirmed = true;
        sock.connected();
        setStatus('');
        // after a drop, redraw from the transcript: bot and agent messages sent meanwhile
        // reached no socket of this tab
        if (everConfirmed && cfg.historyUrl && historyDone) loadHistory(true);
        everConfirmed = true;
        flush();
        announceReady();
      } else if (name === 'bot_uttered' && payload && typeof payload === 'object') {
        if (!historyDone) return early.push([payload, Date.now()]);
        typing(false);
        renderBot(payload, Date.now(), true);
        if (panel.hidden) {
          launcher.classList.add('shopchat-unread');
          launcher.setAttribute('aria-label', 'Open chat (new messages)');
        }
      }
    },
    down: function () {
      var was = confirmed;
      confirmed = false;
      outbox.forEach(function (item) {
        item.inFlight = false; // unacknowledged: sent again, same message_id, on reconnect
      });
      typing(false);
      setStatus(was || ready ? 'Reconnecting\u2026' : 'Connecting\u2026');
    },
  });
  function announceReady() {
    if (ready || !confirmed || !historyDone) return;
    ready = true;
    fire('shopchat:ready', { session_id: sessionId });
  }

  function signature(m) {
    return JSON.stringify([m.text || '', m.quick_replies || [], m.custom || null]);
  }
  function drawHistory(messages) {
    lastSeen = messages
      .filter(function (m) {
        return m.sender !== 'user';
      })
      .slice(-3)
      .map(signature);
    messages.forEach(function (m) {
      var ms = typeof m.timestamp === 'number' ? m.timestamp * 1000 : Date.now();
      if (m.sender === 'user') {
        if (m.text) renderUser(m.text, ms, false);
      } else renderBot(m, ms, false);
    });
    // only the buttons of the last message, if it is the bot's, still work
    var rowsNow = log.querySelectorAll('.shopchat-msg');
    var lastRow = rowsNow[rowsNow.length - 1];
    Array.prototype.forEach.call(log.querySelectorAll('.shopchat-quick-reply'), function (b) {
      if (!lastRow || !lastRow.contains(b) || !lastRow.classList.contains('shopchat-msg-bot')) b.disabled = true;
    });
  }
  // fresh: the log was (re)built, so draw the messages still waiting. One already emitted
  // is in the history (the server saw it) unless there is no history to show it. One typed
  // while the history loaded is drawn already: it moves below the history, not drawn twice.
  function afterHistory(fresh) {
    historyDone = true;
    if (fresh)
      outbox.forEach(function (item) {
        if (item.emitted && cfg.historyUrl) return;
        var row = rows[item.id];
        if (row && row.parentNode === log) log.appendChild(row);
        else rows[item.id] = renderUser(item.shown, item.ts, true);
      });
    early.forEach(function (e) {
      if (lastSeen.indexOf(signature(e[0])) < 0) renderBot(e[0], e[1], true);
    });
    early = [];
    flush();
    announceReady();
  }
  function loadHistory(redraw) {
    historyDone = false;
    var url = cfg.historyUrl + (cfg.historyUrl.indexOf('?') < 0 ? '?' : '&') + 'session_id=' + encodeURIComponent(sessionId);
    fetch(url)
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (h) {
        if (!h || !Array.isArray(h.messages)) return !redraw;
        if (redraw) {
          while (log.firstChild) log.removeChild(log.firstChild);
          setAgent(null);
          rows = {};
        }
        drawHistory(h.messages);
        return true;
      })
      .catch(function () {
        return !redraw; // no history: the conversation goes on from here
      })
      .then(afterHistory);
  }

  // ---------------------------------------------------------------- voice (data-voice="on")
  // The microphone talks to the voice gateway (data-voice-server) under this conversation's
  // id, so spoken and typed messages share one conversation and one cart. The gateway's own
  // client (voice-client.js: capture, playback, barge-in) is loaded on the first click; its
  // transcripts and Rasa's replies are drawn here like typed ones.
  var voice = null;
  function loadVoiceClient() {
    if (window.ShopVoice) return Promise.resolve(window.ShopVoice);
    return new Promise(function (resolve, reject) {
      var s = el('script');
      s.src = cfg.voiceServer + '/voice/static/voice-client.js';
      s.onload = function () {
        if (window.ShopVoice) resolve(window.ShopVoice);
        else reject(new Error('the voice client did not load'));
      };
      s.onerror = function () {
        reject(new Error('the voice service is not reachable'));
      };
      document.head.appendChild(s);
    });
  }
  function voiceState(on) {
    voiceButton.setAttribute('aria-pressed', on ? 'true' : 'false');
    voiceButton.setAttribute('aria-label', on ? 'Stop speaking' : 'Speak a message');
    voiceButton.style.color = on ? '#b91c1c' : '';
    setStatus(on ? 'Listening\u2026' : '');
  }
  // Rasa's REST-shaped messages (buttons, image) in the socket.io shape renderBot draws
  function fromRest(m) {
    var out = { text: m.text, custom: m.custom };
    if (Array.isArray(m.buttons))
      out.quick_replies = m.buttons.map(function (b) {
        return { content_type: 'text', title: b.title, payload: b.payload };
      });
    if (m.image) out.attachment = { type: 'image', payload: { src: m.image } };
    return out;
  }
  function voiceEvent(ev) {
    if (ev.type === 'transcript') {
      retireButtons();
      renderUser(ev.text, Date.now(), false);
      typing(true);
    } else if (ev.type === 'bot') {
      typing(false);
      (ev.messages || []).forEach(function (m) {
        if (m && typeof m === 'object') renderBot(fromRest(m), Date.now(), true);
      });
    } else if (ev.type === 'speaking') setStatus('Speaking\u2026 (talk to interrupt)');
    else if (ev.type === 'speaking_done' || ev.type === 'listening') setStatus(voice && voice.micOn ? 'Listening\u2026' : '');
    else if (ev.type === 'voice_unavailable' || ev.type === 'error') note(ev.message || 'Voice is unavailable.');
    else if (ev.type === 'closed') voiceState(false);
  }
  function toggleVoice() {
    if (voice && voice.micOn) {
      voice.stopMic();
      return voiceState(false);
    }
    setStatus('Starting the microphone\u2026');
    loadVoiceClient()
      .then(function (client) {
        voice = voice || client.connect({
          server: cfg.voiceServer,
          senderId: sessionId,
          customerToken: customerToken,
          page: metadata(null).page,
          onEvent: voiceEvent,
        });
        return voice.startMic();
      })
      .then(function () {
        voiceState(true);
      })
      .catch(function (e) {
        voiceState(false);
        note('Voice is unavailable: ' + e.message);
      });
  }

  function start() {
    document.body.appendChild(root);
    if (!document.querySelector('link[data-shopchat]') && script && script.src) {
      var css = attrs(el('link'), { rel: 'stylesheet', 'data-shopchat': '' });
      css.href = script.src.replace(/\.js(\?.*)?$/, '.css$1');
      document.head.appendChild(css);
    }
    setStatus('Connecting\u2026');
    sock.connect();
    if (cfg.historyUrl) loadHistory(false);
    else afterHistory(true);
    window.addEventListener('online', sock.now);
    window.addEventListener('offline', sock.drop);
  }

  window.ShopChat = {
    open: open,
    close: close,
    send: function (text) {
      sendUser(text, text);
    },
    setCustomerToken: function (token) {
      customerToken = token ? String(token) : '';
    },
    setPage: function (p) {
      p = p || {};
      page = { product_id: p.product_id || null, url: p.url || null };
    },
  };

  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();

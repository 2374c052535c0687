/*
 * The voice page (/voice/): a microphone button, the conversation as text, a text box.
 * The conversation id comes from ?session=<id> (e.g. the storefront's, to share its cart)
 * or is kept in localStorage. Text is only ever put in the page with textContent.
 */
(function () {
  'use strict';
  var ID = /^[A-Za-z0-9_-]{8,64}$/;
  var KEY = 'shopvoice:session';

  function senderId() {
    var given = new URLSearchParams(location.search).get('session');
    if (given && ID.test(given)) return given;
    var kept = null;
    try {
      kept = localStorage.getItem(KEY);
    } catch (e) {
      /* storage blocked */
    }
    if (kept && ID.test(kept)) return kept;
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    var id = Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join('');
    try {
      localStorage.setItem(KEY, id);
    } catch (e) {
      /* this page view only */
    }
    return id;
  }

  var mic = document.getElementById('voice-mic');
  var status = document.getElementById('voice-status');
  var log = document.getElementById('voice-log');
  var partial = document.getElementById('voice-partial');
  var form = document.getElementById('voice-form');
  var input = document.getElementById('voice-text');

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text != null) n.textContent = String(text);
    return n;
  }
  function row(cls, text) {
    var n = log.appendChild(el('div', 'voice-msg ' + cls, text));
    n.scrollIntoView({ block: 'end' });
    return n;
  }
  function say(text) {
    status.textContent = text;
  }

  var client = ShopVoice.connect({ server: location.origin, senderId: senderId(), onEvent: onEvent });

  function send(text, shown) {
    row('voice-user', shown || text);
    client.sendText(text).catch(function (e) {
      row('voice-note', e.message);
    });
  }

  function botMessage(m) {
    var n = row('voice-bot', typeof m.text === 'string' ? m.text : '');
    var c = m.custom && typeof m.custom === 'object' ? m.custom : null;
    if (c && c.type === 'products' && Array.isArray(c.products)) {
      var ul = n.appendChild(el('ul', 'voice-options'));
      c.products.slice(0, 6).forEach(function (p) {
        ul.appendChild(el('li', null, [p.title, p.price].filter(Boolean).join(' - ')));
      });
    }
    (Array.isArray(m.buttons) ? m.buttons : []).forEach(function (b) {
      if (!b || typeof b.payload !== 'string') return;
      var chip = n.appendChild(el('button', 'voice-chip', b.title || b.payload));
      chip.type = 'button';
      chip.addEventListener('click', function () {
        send(b.payload, b.title || b.payload);
      });
    });
    if (!n.firstChild) n.remove();
  }

  function onEvent(ev) {
    switch (ev.type) {
      case 'listening':
        say(client.micOn ? 'Listening…' : 'Microphone off.');
        break;
      case 'speech_start':
        say('Hearing you…');
        break;
      case 'partial':
        partial.textContent = ev.text || '';
        break;
      case 'transcript':
        partial.textContent = '';
        row('voice-user', ev.text);
        say('Thinking…');
        break;
      case 'bot':
        (ev.messages || []).forEach(botMessage);
        break;
      case 'speaking':
        say('Speaking… (talk to interrupt)');
        break;
      case 'speaking_done':
        say(client.micOn ? 'Listening…' : 'Microphone off.');
        break;
      case 'barge_in':
        say('Go ahead, I am listening.');
        break;
      case 'voice_unavailable':
      case 'error':
        row('voice-note', ev.message || 'Something went wrong.');
        break;
      case 'closed':
        mic.setAttribute('aria-pressed', 'false');
        mic.textContent = 'Start talking';
        say('Disconnected. Press the microphone to reconnect.');
        break;
    }
  }

  mic.addEventListener('click', function () {
    if (client.micOn) {
      client.stopMic();
      mic.setAttribute('aria-pressed', 'false');
      mic.textContent = 'Start talking';
      say('Microphone off.');
      return;
    }
    say('Starting the microphone…');
    client
      .startMic()
      .then(function () {
        mic.setAttribute('aria-pressed', 'true');
        mic.textContent = 'Stop talking';
        say('Listening…');
      })
      .catch(function (e) {
        say('The microphone could not start: ' + e.message);
      });
  });

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    send(text);
  });
})();

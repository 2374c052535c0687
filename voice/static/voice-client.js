/*
 * ShopVoice: the browser side of the voice gateway's WebSocket (GET /voice/ws), used by the
 * voice page (/voice/) and by the chat widget's microphone button. No dependencies.
 *
 *   var client = ShopVoice.connect({
 *     server: 'http://127.0.0.1:5058',   // the gateway (default: where this script came from)
 *     senderId: '...',                   // the conversation id (the widget's session id)
 *     customerToken: '...', page: {url, product_id, title},   // optional
 *     onEvent: function (ev) {},         // every server event: transcript, bot, barge_in, ...
 *   });
 *   client.startMic(); client.stopMic(); client.sendText('hello'); client.close();
 *
 * Capture: getUserMedia with echo cancellation, noise suppression and gain control, then an
 * AudioWorklet (capture-worklet.js) that sends 16 kHz PCM16 frames. Playback: the reply's
 * PCM16 frames are scheduled back to back on an AudioContext; a "barge_in" event stops them
 * at once. Nothing here touches the page's DOM: the caller shows the events.
 */
(function () {
  'use strict';
  if (window.ShopVoice) return;

  var script = document.currentScript;
  var scriptUrl = script && script.src ? new URL(script.src, location.href) : new URL('/voice/static/voice-client.js', location.href);
  var WORKLET = new URL('capture-worklet.js', scriptUrl).href;
  var DEFAULT_SERVER = scriptUrl.origin;
  var INPUT_RATE = 16000;

  function Client(opts) {
    this.opts = opts || {};
    this.server = String(this.opts.server || DEFAULT_SERVER).replace(/\/+$/, '');
    this.ws = null;
    this.ready = null; // a Promise of the open, started connection
    this.ctx = null;
    this.workletLoaded = null;
    this.stream = null;
    this.source = null;
    this.node = null;
    this.sink = null;
    this.micOn = false;
    this.rate = 22050;
    this.sources = [];
    this.playAt = 0;
  }

  Client.prototype.emit = function (ev) {
    if (typeof this.opts.onEvent === 'function') this.opts.onEvent(ev);
  };

  Client.prototype.open = function () {
    var self = this;
    if (this.ready) return this.ready;
    this.ready = new Promise(function (resolve, reject) {
      var url = self.server.replace(/^http/i, 'ws') + '/voice/ws';
      var ws;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        self.ready = null;
        return reject(e);
      }
      ws.binaryType = 'arraybuffer';
      self.ws = ws;
      ws.onopen = function () {
        var start = { type: 'start', sender_id: self.opts.senderId, sample_rate: INPUT_RATE };
        if (self.opts.customerToken) start.customer_token = self.opts.customerToken;
        if (self.opts.page) start.page = self.opts.page;
        ws.send(JSON.stringify(start));
      };
      ws.onmessage = function (msg) {
        if (typeof msg.data !== 'string') return self.play(msg.data);
        var ev;
        try {
          ev = JSON.parse(msg.data);
        } catch (e) {
          return;
        }
        if (!ev || typeof ev.type !== 'string') return;
        if (ev.type === 'ready') resolve(self);
        if (ev.type === 'speaking' && ev.rate > 0) self.rate = ev.rate;
        if (ev.type === 'barge_in') self.stopPlayback();
        self.emit(ev);
      };
      ws.onclose = function () {
        reject(new Error('The voice connection closed.'));
        self.ws = null;
        self.ready = null;
        self.releaseMic();
        self.emit({ type: 'closed' });
      };
    });
    return this.ready;
  };

  Client.prototype.audio = function () {
    // made on the first click (browsers allow sound only after a user gesture)
    if (!this.ctx) {
      var AC = window.AudioContext || window.webkitAudioContext;
      this.ctx = new AC();
    }
    if (this.ctx.state === 'suspended') this.ctx.resume();
    return this.ctx;
  };

  Client.prototype.startMic = function () {
    var self = this;
    if (this.micOn) return Promise.resolve(this);
    var ctx = this.audio();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia)
      return Promise.reject(new Error('This browser cannot record audio here (a secure page is needed).'));
    this.workletLoaded = this.workletLoaded || ctx.audioWorklet.addModule(WORKLET);
    return this.workletLoaded
      .then(function () {
        return navigator.mediaDevices.getUserMedia({
          audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
        });
      })
      .then(function (stream) {
        self.stream = stream;
        self.source = ctx.createMediaStreamSource(stream);
        self.node = new AudioWorkletNode(ctx, 'shopvoice-capture');
        self.sink = ctx.createGain();
        self.sink.gain.value = 0; // the worklet must be pulled by the graph, not heard
        self.source.connect(self.node);
        self.node.connect(self.sink);
        self.sink.connect(ctx.destination);
        self.node.port.onmessage = function (msg) {
          if (self.micOn && self.ws && self.ws.readyState === 1) self.ws.send(msg.data);
        };
        self.micOn = true;
        return self.open();
      })
      .catch(function (e) {
        self.releaseMic();
        throw e;
      });
  };

  Client.prototype.releaseMic = function () {
    this.micOn = false;
    if (this.node) this.node.port.onmessage = null;
    [this.source, this.node, this.sink].forEach(function (n) {
      if (n) n.disconnect();
    });
    if (this.stream)
      this.stream.getTracks().forEach(function (t) {
        t.stop();
      });
    this.stream = this.source = this.node = this.sink = null;
  };

  Client.prototype.stopMic = function () {
    var wasOn = this.micOn;
    this.releaseMic();
    if (wasOn && this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify({ type: 'stop' }));
  };

  Client.prototype.sendText = function (text) {
    this.audio();
    return this.open().then(function (self) {
      self.ws.send(JSON.stringify({ type: 'text', text: String(text) }));
      return self;
    });
  };

  Client.prototype.play = function (data) {
    if (!this.ctx || !data || !data.byteLength) return;
    var pcm = new Int16Array(data, 0, data.byteLength >> 1);
    var buffer = this.ctx.createBuffer(1, pcm.length, this.rate);
    var ch = buffer.getChannelData(0);
    for (var i = 0; i < pcm.length; i++) ch[i] = pcm[i] / 32768;
    var src = this.ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(this.ctx.destination);
    var at = Math.max(this.ctx.currentTime + 0.03, this.playAt);
    src.start(at);
    this.playAt = at + buffer.duration;
    var list = this.sources;
    list.push(src);
    src.onended = function () {
      var k = list.indexOf(src);
      if (k >= 0) list.splice(k, 1);
    };
  };

  Client.prototype.stopPlayback = function () {
    this.sources.forEach(function (s) {
      try {
        s.stop();
      } catch (e) {
        /* not started yet or already ended */
      }
    });
    this.sources = [];
    this.playAt = 0;
  };

  Client.prototype.close = function () {
    this.releaseMic();
    this.stopPlayback();
    if (this.ws) this.ws.close();
  };

  window.ShopVoice = {
    connect: function (opts) {
      return new Client(opts);
    },
  };
})();

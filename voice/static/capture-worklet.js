/*
 * The voice client's microphone capture, an AudioWorklet processor: the microphone at the
 * AudioContext's rate -> 16 kHz mono 16-bit PCM, posted to the main thread in frames of
 * 40 ms (640 samples) as transferable ArrayBuffers.
 *
 * Downsampling averages the input samples that fall into each output sample's period (a box
 * filter, then decimation): cheap, and enough against aliasing for speech recognition.
 */
class ShopVoiceCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / 16000; // input samples per output sample
    this.pos = 0;
    this.sum = 0;
    this.count = 0;
    this.frame = new Int16Array(640);
    this.n = 0;
  }

  push(v) {
    var s = Math.max(-1, Math.min(1, v));
    this.frame[this.n++] = s < 0 ? s * 32768 : s * 32767;
    if (this.n === this.frame.length) {
      this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
      this.frame = new Int16Array(640);
      this.n = 0;
    }
  }

  process(inputs) {
    var input = inputs[0];
    var x = input && input[0];
    if (!x) return true;
    for (var i = 0; i < x.length; i++) {
      this.sum += x[i];
      this.count++;
      this.pos += 1;
      if (this.pos >= this.step) {
        this.pos -= this.step;
        this.push(this.sum / this.count);
        this.sum = 0;
        this.count = 0;
      }
    }
    return true;
  }
}

registerProcessor('shopvoice-capture', ShopVoiceCapture);

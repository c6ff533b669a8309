// Microphone capture on the audio thread: mono input at the context's rate (often 44100 or 48000 Hz) →
// 16 kHz PCM s16le frames of 20 ms, posted to the page with their peak level. Plain JS, no build step.

/**
 * Streaming windowed-sinc resampler for any ratio (48000 → 16000, 44100 → 16000, …). The low-pass cut-off
 * sits a little under the output's Nyquist frequency so that nothing above 8 kHz folds back into speech.
 */
class Resampler {
  /**
   * @param {number} inRate input sample rate, Hz
   * @param {number} outRate output sample rate, Hz
   */
  constructor(inRate, outRate) {
    this.step = inRate / outRate; // input samples per output sample
    const cutoff = 0.45 * Math.min(1, outRate / inRate); // cycles per input sample
    const zeroCrossings = 10;
    this.halfWidth = Math.ceil(zeroCrossings / (2 * cutoff)); // input samples each side of an output
    // The kernel, tabulated every 1/RES of an input sample and read with linear interpolation.
    this.res = 64;
    this.table = new Float32Array(this.halfWidth * this.res + 2);
    for (let i = 0; i < this.table.length; i++) {
      const t = i / this.res;
      const x = 2 * cutoff * t;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w =
        t >= this.halfWidth
          ? 0
          : 0.42 +
            0.5 * Math.cos((Math.PI * t) / this.halfWidth) +
            0.08 * Math.cos((2 * Math.PI * t) / this.halfWidth); // Blackman
      this.table[i] = 2 * cutoff * sinc * w;
    }
    // Input history: starts with halfWidth zeros so that the first output sits on the first input sample.
    this.buf = new Float32Array(2 * this.halfWidth + 4096);
    this.len = this.halfWidth;
    this.pos = this.halfWidth; // input index (into buf) of the next output sample
  }

  /**
   * @param {Float32Array} input samples in [-1, 1]
   * @param {(sample: number) => void} emit called once per output sample
   */
  push(input, emit) {
    let offset = 0;
    while (offset < input.length) {
      const n = Math.min(input.length - offset, this.buf.length - this.len);
      this.buf.set(input.subarray(offset, offset + n), this.len);
      this.len += n;
      offset += n;
      const { buf, table, res, halfWidth } = this;
      while (this.pos + halfWidth + 1 < this.len) {
        const first = Math.ceil(this.pos - halfWidth);
        const last = Math.floor(this.pos + halfWidth);
        let acc = 0;
        for (let k = first; k <= last; k++) {
          const f = Math.abs(this.pos - k) * res;
          const i = f | 0;
          acc += buf[k] * (table[i] + (f - i) * (table[i + 1] - table[i]));
        }
        emit(acc);
        this.pos += this.step;
      }
      // Drop the history no later output needs.
      const drop = Math.floor(this.pos) - halfWidth;
      if (drop > 0) {
        buf.copyWithin(0, drop, this.len);
        this.len -= drop;
        this.pos -= drop;
      }
    }
  }
}

class CaptureProcessor extends AudioWorkletProcessor {
  /** @param {{processorOptions?: {targetRate?: number, frameSamples?: number}}} options */
  constructor(options) {
    super();
    const { targetRate = 16000, frameSamples = 320 } = options.processorOptions ?? {};
    // `sampleRate` is the AudioWorkletGlobalScope's: the context's rate.
    this.resampler = sampleRate === targetRate ? null : new Resampler(sampleRate, targetRate);
    this.frameSamples = frameSamples;
    this.frame = new Int16Array(frameSamples);
    this.filled = 0;
    this.peak = 0;
    this.running = true;
    this.port.onmessage = (e) => {
      if (e.data === 'stop') this.running = false;
    };
    this.emit = (s) => {
      const a = Math.abs(s);
      if (a > this.peak) this.peak = a;
      this.frame[this.filled++] = Math.max(-32768, Math.min(32767, Math.round(s * 32768)));
      if (this.filled === this.frameSamples) {
        const pcm = this.frame.buffer;
        this.port.postMessage({ pcm, peak: this.peak }, [pcm]);
        this.frame = new Int16Array(this.frameSamples);
        this.filled = 0;
        this.peak = 0;
      }
    };
  }

  process(inputs) {
    // The node is created with channelCount 1 ('explicit'), so the browser has already mixed to mono.
    const mono = inputs[0]?.[0];
    if (mono) {
      if (this.resampler) this.resampler.push(mono, this.emit);
      else for (let i = 0; i < mono.length; i++) this.emit(mono[i]);
    }
    return this.running;
  }
}

registerProcessor('vox-capture', CaptureProcessor);

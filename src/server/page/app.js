// voxstream's browser client: microphone → 16 kHz PCM over the device protocol (PROTOCOL.md) on this
// page's own origin; shows partials, the intent and slots, the reply, and per-utterance stage latencies;
// plays the reply audio as it streams and stops it on `tts_interrupted` (barge-in).
// State the tests read is mirrored on <body data-…>: state, intent, slots, played-samples, interrupted.

const CAPTURE_RATE = 16000; // Hz, what the worklet sends
const FRAME_SAMPLES = 320; // 20 ms at 16 kHz
const PENDING_MAX_FRAMES = 100; // 2 s of audio captured before `ready` is kept; older frames are dropped
const SEND_HIGH_WATER_BYTES = 5 * 2 * CAPTURE_RATE; // 5 s unsent on the socket: drop frames, don't queue
const PLAYBACK_LEAD_SEC = 0.06; // scheduling margin ahead of the audio clock for the first chunk
const METRICS_SHOWN = 6; // utterances kept in the latency list
const STAGES = [
  ['intent', 'Intent'],
  ['firstAudio', 'First audio'],
  ['asr', 'ASR chunk'],
  ['fusion', 'Fusion'],
  ['tts', 'TTS'],
];

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const ui = {
  status: $('status'),
  context: /** @type {HTMLSelectElement} */ ($('context')),
  toggle: /** @type {HTMLButtonElement} */ ($('toggle')),
  aec: /** @type {HTMLInputElement} */ ($('aec')),
  level: $('level'),
  intents: /** @type {HTMLDetailsElement} */ ($('intents')),
  speech: $('speech'),
  utterance: $('utterance'),
  transcript: $('transcript'),
  intent: $('intent'),
  confidence: $('confidence'),
  slots: $('slots'),
  playback: $('playback'),
  replyText: $('reply-text'),
  metrics: $('metrics'),
  error: $('error'),
};
const body = document.body;

/** Reply audio: PCM s16le chunks scheduled back to back on the audio clock; `stop()` drops all of it. */
class ReplyPlayer {
  /** @param {AudioContext} ctx */
  constructor(ctx) {
    this.ctx = ctx;
    this.sampleRate = 16000;
    this.nextTime = 0;
    /** @type {Set<AudioBufferSourceNode>} */
    this.sources = new Set();
    this.playedSamples = 0; // samples whose playback ran to the end (not stopped)
    this.onchange = () => {};
  }

  /** @param {number} sampleRate of the chunks that follow, Hz */
  begin(sampleRate) {
    this.sampleRate = sampleRate;
  }

  /** @param {ArrayBuffer} bytes whole 16-bit little-endian samples */
  push(bytes) {
    const pcm = new Int16Array(bytes, 0, bytes.byteLength >> 1);
    if (pcm.length === 0) return;
    const buffer = this.ctx.createBuffer(1, pcm.length, this.sampleRate);
    const out = buffer.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) out[i] = pcm[i] / 32768;
    const source = this.ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(this.ctx.destination);
    const at = Math.max(this.nextTime, this.ctx.currentTime + PLAYBACK_LEAD_SEC);
    source.start(at);
    this.nextTime = at + buffer.duration;
    this.sources.add(source);
    source.onended = () => {
      if (!this.sources.delete(source)) return; // stopped: not played
      this.playedSamples += pcm.length;
      this.onchange();
    };
    this.onchange();
  }

  /** Stops what is playing and drops what is scheduled. */
  stop() {
    const sources = [...this.sources];
    this.sources.clear();
    for (const s of sources) s.stop();
    this.nextTime = 0;
    this.onchange();
  }

  get playing() {
    return this.sources.size > 0;
  }
}

/** One run of Start … Stop: a socket, a microphone and an audio context. */
class Session {
  /** @param {string} context @param {boolean} echoCancellation */
  constructor(context, echoCancellation) {
    this.context = context;
    this.echoCancellation = echoCancellation;
    this.opened = false;
    this.ready = false;
    this.closed = false;
    /** @type {ArrayBuffer[]} */
    this.pending = [];
    this.dropped = 0;
    // Created in the click handler: browsers only let a user gesture start audio.
    this.ctx = new AudioContext({ latencyHint: 'interactive' });
    this.player = new ReplyPlayer(this.ctx);
    this.player.onchange = () => renderPlayback(this.player);
    /** @type {MediaStream | null} */
    this.stream = null;
    /** @type {AudioWorkletNode | null} */
    this.node = null;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.peak = 0;
  }

  async open() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // A server with access tokens takes one as `?token=` (a browser cannot set headers on a WebSocket):
    // open the page as /?token=… to pass it on.
    const token = new URLSearchParams(location.search).get('token');
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    const ws = new WebSocket(`${proto}//${location.host}/${query}`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.opened = true;
      ws.send(
        JSON.stringify({
          type: 'start',
          audio: { encoding: 'pcm_s16le', sampleRate: CAPTURE_RATE },
          context: this.context,
          reply: { enabled: true, encoding: 'pcm_s16le', sampleRate: 16000 },
          partials: true,
        }),
      );
    };
    ws.onmessage = (e) =>
      typeof e.data === 'string' ? this.onEvent(JSON.parse(e.data)) : this.player.push(e.data);
    ws.onclose = (e) => this.onClose(e);
    // The microphone opens while the socket connects; what it hears before `ready` waits in `pending`.
    const [stream] = await Promise.all([
      navigator.mediaDevices.getUserMedia({
        // Echo cancellation keeps a reply coming out of a loudspeaker from barging in on itself (but reshapes
        // the signal: off for headphones and for test audio); noise suppression and gain control would
        // reshape the speech the recognizer was trained on.
        audio: {
          channelCount: 1,
          echoCancellation: this.echoCancellation,
          noiseSuppression: false,
          autoGainControl: false,
        },
      }),
      this.ctx.audioWorklet.addModule('/worklet.js'),
      this.ctx.resume(),
    ]);
    if (this.closed) return stream.getTracks().forEach((t) => t.stop());
    this.stream = stream;
    this.node = new AudioWorkletNode(this.ctx, 'vox-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 1,
      channelCountMode: 'explicit',
      processorOptions: { targetRate: CAPTURE_RATE, frameSamples: FRAME_SAMPLES },
    });
    this.node.port.onmessage = (e) => this.onFrame(e.data.pcm, e.data.peak);
    this.ctx.createMediaStreamSource(stream).connect(this.node);
  }

  /** @param {ArrayBuffer} pcm @param {number} peak */
  onFrame(pcm, peak) {
    this.peak = Math.max(this.peak, peak);
    const ws = this.ws;
    if (!this.ready || !ws) {
      this.pending.push(pcm);
      if (this.pending.length > PENDING_MAX_FRAMES) this.pending.shift();
    } else if (ws.readyState === WebSocket.OPEN) {
      // A socket that cannot keep up loses audio rather than queueing it without bound.
      if (ws.bufferedAmount <= SEND_HIGH_WATER_BYTES) ws.send(pcm);
      else if (this.dropped++ === 0)
        showError('The connection is too slow: microphone audio is being dropped');
    }
  }

  /** Ends the microphone; the server answers the open utterance, sends `end` and closes. */
  stop() {
    this.stopCapture();
    if (this.ws?.readyState === WebSocket.OPEN && this.ready) this.ws.send(JSON.stringify({ type: 'stop' }));
    else this.ws?.close();
  }

  stopCapture() {
    this.node?.port.postMessage('stop');
    this.node?.disconnect();
    this.node = null;
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
  }

  /** @param {CloseEvent} e */
  onClose(e) {
    this.closed = true;
    this.stopCapture();
    // The browser hides why an upgrade was refused (busy, shutting down, or a token needed).
    if (!this.opened)
      showError('The server refused the connection (busy, or it needs ?token=… on this page)');
    else if (e.code !== 1000 && e.code !== 1005)
      showError(`Connection closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`);
    finished(this);
  }

  /** @param {any} m a server message (PROTOCOL.md) */
  onEvent(m) {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        for (const pcm of this.pending.splice(0)) this.ws?.send(pcm);
        setStatus('listening', 'Listening');
        showIntents(m.context.name, m.context.intents);
        break;
      case 'speech_start':
        setSpeech(true);
        ui.utterance.textContent = `#${m.utterance}`;
        setTranscript('', false);
        break;
      case 'partial':
        setTranscript(m.text, false);
        break;
      case 'speech_end':
        setSpeech(false);
        break;
      case 'final':
        setTranscript(m.text, true);
        break;
      case 'intent':
        showIntent(m);
        break;
      case 'reply':
        ui.replyText.textContent = m.text;
        break;
      case 'tts_start':
        this.player.begin(m.sampleRate);
        break;
      case 'tts_end':
        break;
      case 'tts_interrupted':
        this.player.stop();
        body.dataset.interrupted = String(Number(body.dataset.interrupted) + 1);
        ui.playback.dataset.state = 'interrupted';
        ui.playback.textContent = 'interrupted';
        break;
      case 'metrics':
        showMetrics(m);
        break;
      case 'error':
        showError(`${m.code}: ${m.message}`);
        if (m.utterance !== undefined) setSpeech(false);
        break;
      case 'end':
        setStatus('stopping', 'Finishing');
        break;
    }
  }
}

/** @type {Session | null} */
let session = null;

async function start() {
  clearError();
  ui.toggle.textContent = 'Stop';
  ui.context.disabled = true;
  ui.aec.disabled = true;
  setStatus('connecting', 'Connecting');
  const s = new Session(ui.context.value, ui.aec.checked);
  session = s;
  try {
    await s.open();
  } catch (err) {
    showError(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    s.stop();
    finished(s);
  }
}

/** @param {Session} s */
function finished(s) {
  if (session !== s) return;
  session = null;
  s.stopCapture();
  // The reply may still be playing; the context closes once it is done.
  const close = () => (s.player.playing ? setTimeout(close, 250) : s.ctx.close());
  close();
  ui.toggle.textContent = 'Start';
  ui.toggle.disabled = false;
  ui.context.disabled = false;
  ui.aec.disabled = false;
  setSpeech(false);
  setStatus('stopped', 'Stopped');
}

ui.toggle.addEventListener('click', () => {
  if (!session) return void start();
  ui.toggle.disabled = true;
  setStatus('stopping', 'Finishing');
  session.stop();
});

// ---- rendering ----

/** @param {string} state @param {string} label */
function setStatus(state, label) {
  body.dataset.state = state;
  ui.status.dataset.state = state;
  ui.status.textContent = label;
}

/** @param {boolean} active */
function setSpeech(active) {
  ui.speech.dataset.active = String(active);
  /** @type {HTMLElement} */ (ui.speech.querySelector('b')).textContent = active ? 'Speech' : 'Silence';
}

/** @param {string} text @param {boolean} final */
function setTranscript(text, final) {
  ui.transcript.dataset.final = String(final);
  ui.transcript.textContent = text || '…';
}

/** The context's intents, folded away under the controls. @param {string} name @param {string[]} intents */
function showIntents(name, intents) {
  /** @type {HTMLElement} */ (ui.intents.querySelector('summary')).textContent =
    `${intents.length} intents in ${name.replaceAll('_', ' ')}`;
  /** @type {HTMLElement} */ (ui.intents.querySelector('ul')).replaceChildren(
    ...intents.map((intent) => {
      const li = document.createElement('li');
      li.textContent = intent;
      return li;
    }),
  );
  ui.intents.hidden = false;
}

/** @param {{intent: string | null, understood: boolean, slots: Record<string, string>, confidence: number}} m */
function showIntent(m) {
  body.dataset.intent = m.understood ? (m.intent ?? '') : '?';
  body.dataset.slots = JSON.stringify(m.slots);
  ui.intent.textContent = m.understood ? m.intent : 'Not understood';
  ui.intent.dataset.understood = String(m.understood);
  ui.confidence.textContent = `${Math.round(m.confidence * 100)}% confident`;
  ui.slots.replaceChildren(
    ...Object.entries(m.slots).map(([name, value]) => {
      const li = document.createElement('li');
      const k = document.createElement('span');
      k.textContent = name;
      const v = document.createElement('b');
      v.textContent = value;
      li.append(k, v);
      return li;
    }),
  );
  ui.replyText.textContent = '';
  ui.playback.dataset.state = 'idle';
  ui.playback.textContent = 'reply';
}

/** @param {ReplyPlayer} player */
function renderPlayback(player) {
  body.dataset.playedSamples = String(player.playedSamples);
  body.dataset.playing = String(player.playing);
  if (player.playing) {
    ui.playback.dataset.state = 'playing';
    ui.playback.textContent = 'playing';
  } else if (ui.playback.dataset.state === 'playing') {
    ui.playback.dataset.state = 'done';
    ui.playback.textContent = 'played';
  }
}

/**
 * One utterance's stages as bars: the track spans 1.5× the budget, with the budget marked; over-budget
 * stages turn red.
 * @param {{utterance: number, stages: Record<string, number>, budgets: Record<string, number>, exceeded: string[]}} m
 */
function showMetrics(m) {
  const li = document.createElement('li');
  const head = document.createElement('div');
  head.className = 'metrics-head';
  const title = document.createElement('b');
  title.textContent = `#${m.utterance}`;
  const text = document.createElement('span');
  text.className = 'muted';
  text.textContent = ui.transcript.textContent ?? '';
  head.append(title, text);
  li.append(head);
  for (const [stage, label] of STAGES) {
    const ms = m.stages[stage];
    const budget = m.budgets[stage];
    if (typeof ms !== 'number') continue;
    const row = document.createElement('div');
    row.className = 'stage';
    const over = m.exceeded.includes(stage) || (budget !== undefined && ms > budget);
    row.dataset.over = String(over);
    const name = document.createElement('span');
    name.textContent = label;
    const track = document.createElement('span');
    track.className = 'track';
    const fill = document.createElement('span');
    fill.className = 'fill';
    fill.style.width = budget ? `${Math.min(100, (ms / (1.5 * budget)) * 100).toFixed(1)}%` : '0';
    const mark = document.createElement('span');
    mark.className = 'budget';
    track.append(fill, mark);
    const value = document.createElement('span');
    value.className = 'value';
    value.textContent = budget ? `${Math.round(ms)} / ${budget} ms` : `${Math.round(ms)} ms`;
    row.append(name, track, value);
    li.append(row);
  }
  const extra = ['asrTotal', 'decode'].filter((k) => typeof m.stages[k] === 'number');
  if (extra.length) {
    const note = document.createElement('p');
    note.className = 'muted small';
    note.textContent = extra
      .map((k) => `${k === 'asrTotal' ? 'ASR total' : 'Decode'} ${Math.round(m.stages[k])} ms`)
      .join(' · ');
    li.append(note);
  }
  ui.metrics.prepend(li);
  while (ui.metrics.children.length > METRICS_SHOWN) ui.metrics.lastElementChild?.remove();
  body.dataset.utterances = String(Number(body.dataset.utterances) + 1);
}

/** @param {string} message */
function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

function clearError() {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

// The microphone level, drawn once per frame from the peak the worklet reports.
(function drawLevel() {
  const s = session;
  const peak = s ? s.peak : 0;
  if (s) s.peak = 0;
  // dBFS mapped onto the meter: -60 dB empty, 0 dB full.
  const db = peak > 0 ? 20 * Math.log10(peak) : -60;
  ui.level.style.width = `${Math.max(0, Math.min(100, ((db + 60) / 60) * 100)).toFixed(0)}%`;
  requestAnimationFrame(drawLevel);
})();

async function loadContexts() {
  try {
    const res = await fetch('/contexts');
    if (!res.ok) throw new Error(`GET /contexts: HTTP ${res.status}`);
    const { contexts } = await res.json();
    ui.context.replaceChildren(
      ...contexts.map((name) => {
        const o = document.createElement('option');
        o.value = name;
        o.textContent = name.replaceAll('_', ' ');
        return o;
      }),
    );
    const preferred = new URLSearchParams(location.search).get('context') ?? 'smart_home';
    if (contexts.includes(preferred)) ui.context.value = preferred;
    ui.context.disabled = false;
    ui.toggle.disabled = false;
  } catch (err) {
    showError(`Could not list the contexts (${err instanceof Error ? err.message : String(err)})`);
  }
}

if (!window.isSecureContext || !navigator.mediaDevices || !window.AudioWorkletNode) {
  showError('This browser does not offer the microphone here: open the page over https or on localhost.');
}
loadContexts();

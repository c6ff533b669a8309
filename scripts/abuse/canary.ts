import { type AudioChunks, type ClientEvent, VoxClient, streamAudio } from '../../src/client/index.ts';

/**
 * The canary of scripts/abuse.ts: one session streaming a command in real time, over and over, until stopped;
 * its speech end → intent latencies and intents are kept by the phase of the run they fell in.
 */
export class Canary {
  /** Speech end → intent: the server's `metrics.stages.intent`, from the arrival of the audio at speech end. */
  readonly intentMs: { phase: string; ms: number }[] = [];
  readonly intents: string[] = [];
  phase = 'warm-up';
  private stopped = false;
  private running: Promise<void> | null = null;
  client: VoxClient | null = null;

  /** Connects, starts in context `goforward` (the recording's) without replies, and streams `clip` until stopped. */
  async start(url: string, clip: AudioChunks): Promise<void> {
    const client = await VoxClient.connect(url);
    this.client = client;
    client.events.subscribe((e: ClientEvent) => {
      if (e.type === 'metrics' && e.stages.intent !== undefined)
        this.intentMs.push({ phase: this.phase, ms: e.stages.intent });
      if (e.type === 'intent') this.intents.push(e.understood ? (e.intent ?? '') : 'not understood');
    });
    await client.start({
      audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
      context: 'goforward',
      reply: { enabled: false },
    });
    this.running = (async () => {
      while (!this.stopped && client.isOpen)
        await streamAudio(client, clip, { realtime: true }).catch(() => {});
    })();
  }

  /** The p95 of speech end → intent in `phase`, ms; NaN with none. */
  p95(phase: string): number {
    const xs = this.intentMs.filter((x) => x.phase === phase).map((x) => x.ms);
    xs.sort((a, b) => a - b);
    return xs.length === 0
      ? NaN
      : Math.round(xs[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? NaN);
  }

  /** Intents timed in `phase`. */
  count(phase: string): number {
    return this.intentMs.filter((x) => x.phase === phase).length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}

import { VoxClient, type AudioChunks } from '../client/index.ts';
import { judge } from './recordings.ts';

/** One command a simulated device can say: its wire chunks and what it should be understood as. */
export interface Utterance {
  readonly audio: AudioChunks;
  /** null: out-of-context speech, right when it is not understood. */
  readonly intent: string | null;
  readonly slots: Readonly<Record<string, string>>;
}

/** What one utterance looked like from the device. Times in ms. */
export interface UtteranceRecord {
  readonly intentMs: number;
  readonly firstAudioMs: number | null;
  /** As {@link judge} counts it. */
  readonly verdict: 'right' | 'wrong' | 'notUnderstood';
}

/** Settings of a load run. */
export interface LoadOptions {
  readonly url: string;
  /** Context named in each session's `start`; absent: the server's default context. */
  readonly context?: string;
  readonly token?: string;
  /** Silence between utterances, ms: uniformly drawn from [min, max]. */
  readonly pauseMs: readonly [number, number];
  /** How long to wait for an utterance's answer before counting it as lost, ms. */
  readonly answerTimeoutMs: number;
}

const chunkMs = 20;
const silence = new Uint8Array((16000 * 2 * chunkMs) / 1000);

/** One utterance a device said, from its first chunk to the end of the pause after it. */
interface Said {
  readonly utterance: Utterance;
  /** Stream time of its first chunk, ms (the session's stream time, as the server's `atMs`). */
  readonly fromMs: number;
  /** Wall time its last sound chunk (`speechEndChunk`) was sent: the reference of its latency. */
  speechEnd?: number;
  /** Wall time its last audio chunk was sent. */
  audioEnd?: number;
  /** Whether the server started an utterance within it. */
  heard: boolean;
  intentAt?: number;
  verdict?: UtteranceRecord['verdict'];
}

/**
 * A simulated device: one socket streaming utterances in real time with natural pauses, as long as it runs.
 * Audio is paced by the generator's shared clock (`tick`), not by a timer per device. Answers are matched to
 * what was said by stream time (the server's `speech_start.atMs`), so a recording the server hears nothing
 * in, or hears twice, does not shift the answers of the ones after it.
 */
class Device {
  private queue: Uint8Array[] = [];
  private speechEndIndex = -1;
  private audioEndIndex = -1;
  private current: Said | null = null;
  private sent = 0;
  /** What was said and is not yet answered, oldest first. */
  private readonly open: Said[] = [];
  /** The server's utterance numbers → what was said then. */
  private readonly heard = new Map<number, Said>();
  readonly records: UtteranceRecord[] = [];
  readonly partialLags: number[] = [];
  private readonly sentAt: number[] = [];
  lost = 0;
  unheard = 0;
  missed = 0;
  errors = 0;

  constructor(
    readonly client: VoxClient,
    private readonly startedAt: number,
    private readonly pick: () => Utterance,
    private readonly options: LoadOptions,
  ) {
    client.events.subscribe((e) => {
      if (e.type === 'partial' && 'atMs' in e) {
        const at = this.sentAt[Math.min(this.sentAt.length - 1, Math.ceil(e.atMs / chunkMs) - 1)];
        if (at !== undefined) this.partialLags.push(e.receivedAt - at);
      } else if (e.type === 'speech_start') {
        const said = this.open.findLast((x) => x.fromMs <= e.atMs);
        if (said) {
          said.heard = true;
          this.heard.set(e.utterance, said);
        }
      } else if (e.type === 'intent') {
        const said = this.heard.get(e.utterance);
        // A second utterance within one recording: the first answer counts.
        if (!said || said.intentAt !== undefined || !this.open.includes(said)) return;
        said.intentAt = e.receivedAt;
        said.verdict = judge(said.utterance, e);
        if (!e.understood) this.finish(said, null);
      } else if (e.type === 'tts_start') {
        const said = this.heard.get(e.utterance);
        if (said?.intentAt !== undefined && this.open.includes(said)) this.finish(said, e.receivedAt);
      } else if (e.type === 'error') {
        this.errors++;
      }
    });
  }

  private finish(said: Said, firstAudio: number | null): void {
    this.open.splice(this.open.indexOf(said), 1);
    // An answer before the last sound was sent (an endpoint on a recording's trailing noise) has no latency.
    const end = said.speechEnd ?? NaN;
    this.records.push({
      intentMs: (said.intentAt as number) - end,
      firstAudioMs: firstAudio === null ? null : firstAudio - end,
      verdict: said.verdict ?? 'notUnderstood',
    });
  }

  /** Sends every chunk that is due by `now`. */
  tick(now: number): void {
    const due = Math.floor((now - this.startedAt) / chunkMs);
    while (this.sent < due && this.client.isOpen) {
      if (this.queue.length === 0) this.next();
      const chunk = this.queue.shift() as Uint8Array;
      void this.client.sendAudio(chunk).catch(() => {});
      this.sentAt.push(now);
      if (this.current) {
        if (this.speechEndIndex === 0) this.current.speechEnd = now;
        if (this.audioEndIndex === 0) this.current.audioEnd = now;
      }
      this.speechEndIndex--;
      this.audioEndIndex--;
      this.sent++;
    }
    for (const said of this.open) {
      const from = said.speechEnd ?? said.audioEnd;
      if (from === undefined || now - from <= this.options.answerTimeoutMs) continue;
      if (said.intentAt !== undefined) this.finish(said, null);
      else {
        this.open.splice(this.open.indexOf(said), 1);
        // Out-of-context audio the server heard no speech in (a silence clip) was rightly left unanswered; a
        // command it heard no speech in (a quiet recording) was missed by the VAD, an accuracy matter; only
        // one it heard and never answered is lost.
        if (said.heard) this.lost++;
        else if (said.utterance.intent === null) this.unheard++;
        else this.missed++;
      }
      break;
    }
  }

  private next(): void {
    const u = this.pick();
    const [lo, hi] = this.options.pauseMs;
    const pause = Math.round((lo + Math.random() * (hi - lo)) / chunkMs);
    this.current = { utterance: u, fromMs: this.sent * chunkMs, heard: false };
    this.open.push(this.current);
    this.queue = [
      ...u.audio.chunks.slice(0, u.audio.audioChunks),
      ...Array.from({ length: pause }, () => silence),
    ];
    this.speechEndIndex = u.audio.speechEndChunk;
    this.audioEndIndex = u.audio.audioChunks - 1;
  }
}

/** Result of one load level. */
export interface LevelResult {
  readonly sessions: number;
  readonly connected: number;
  readonly records: UtteranceRecord[];
  readonly partialLags: number[];
  /** Utterances the server heard (a `speech_start` within them) and did not answer within the timeout. */
  readonly lost: number;
  /** Out-of-context recordings the server heard no speech in (silence clips): right, and no latency. */
  readonly unheard: number;
  /** Commands the server heard no speech in (the VAD missed a quiet recording): wrong, and no latency. */
  readonly missed: number;
  readonly errors: number;
  /** Largest lateness of the generator's 20 ms clock, ms: a check that the generator kept up. */
  readonly generatorMaxLagMs: number;
  /** Generator CPU over the level, as a share of one core. */
  readonly generatorCpu: number;
}

/**
 * Runs `sessions` simulated devices against the server for `durationMs`, connecting them over the first
 * second, then closes them all.
 */
export async function runLevel(
  sessions: number,
  durationMs: number,
  utterances: readonly Utterance[],
  options: LoadOptions,
): Promise<LevelResult> {
  const devices: Device[] = [];
  const pick = () => utterances[Math.floor(Math.random() * utterances.length)] as Utterance;
  const connecting: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < sessions; i++) {
    connecting.push(
      (async () => {
        await new Promise((r) => setTimeout(r, (i / sessions) * 1000));
        try {
          const client = await VoxClient.connect(options.url, options.token ? { token: options.token } : {});
          await client.start({
            audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
            ...(options.context !== undefined ? { context: options.context } : {}),
            partials: true,
          });
          devices.push(new Device(client, performance.now(), pick, options));
        } catch {
          // refused or failed: counted as not connected
        }
      })(),
    );
  }
  const cpu0 = process.cpuUsage();
  let maxLag = 0;
  let expected = performance.now() + chunkMs;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - expected);
      expected = now + chunkMs;
      for (const d of devices) d.tick(now);
      if (now - t0 > durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, chunkMs);
  });
  await Promise.all(connecting);
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(devices.map((d) => d.client.close(1000, 'bench level done')));
  return {
    sessions,
    connected: devices.length,
    records: devices.flatMap((d) => d.records),
    partialLags: devices.flatMap((d) => d.partialLags),
    lost: devices.reduce((n, d) => n + d.lost, 0),
    unheard: devices.reduce((n, d) => n + d.unheard, 0),
    missed: devices.reduce((n, d) => n + d.missed, 0),
    errors: devices.reduce((n, d) => n + d.errors, 0),
    generatorMaxLagMs: Math.round(maxLag),
    generatorCpu: (cpu.user + cpu.system) / 1000 / (performance.now() - t0),
  };
}

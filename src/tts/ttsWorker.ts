/**
 * Worker-thread entry of {@link WorkerTts}: owns one {@link EspeakTts} and answers synthesis requests,
 * so that espeak-ng's synchronous WASM work never blocks the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EspeakTts, type EspeakTtsOptions } from './espeakTts.ts';

interface Request {
  readonly id: number;
  readonly text: string;
  /** The voice to speak with; default the worker's own. */
  readonly voice?: string;
}

const port = parentPort;
if (!port) throw new Error('ttsWorker.ts must run in a worker thread');
const tts = await EspeakTts.load(workerData as EspeakTtsOptions);
port.on('message', async (message: Request | 'close') => {
  if (message === 'close') {
    await tts.close();
    port.close();
    return;
  }
  try {
    const out = await (message.voice === undefined
      ? tts.synthesize(message.text)
      : tts.speak(message.text, message.voice));
    port.postMessage({ id: message.id, sampleRate: out.sampleRate, pcm: out.pcm }, [
      out.pcm.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    const e = error as Error & { code?: string };
    port.postMessage({ id: message.id, error: { message: e.message, code: e.code ?? 'VX_TTS_FAILED' } });
  }
});
port.postMessage({ ready: true, sampleRate: tts.sampleRate });

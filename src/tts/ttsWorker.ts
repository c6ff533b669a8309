/**
 * Worker-thread entry of {@link WorkerTts}: owns one {@link EspeakTts} and answers synthesis requests,
 * so that espeak-ng's synchronous WASM work never blocks the server's event loop.
 */
import { workerData } from 'node:worker_threads';
import { serveRpc } from '../threads/index.ts';
import { EspeakTts, type EspeakTtsOptions } from './espeakTts.ts';
import type { SynthesizedSpeech } from './ttsEngine.ts';
import type { SpeakRequest, TtsReady } from './workerTts.ts';

const tts = await EspeakTts.load(workerData as EspeakTtsOptions);
serveRpc<SpeakRequest, SynthesizedSpeech, TtsReady>(
  { sampleRate: tts.sampleRate },
  {
    handle: async (request) => {
      const { sampleRate, pcm } = await (request.voice === undefined
        ? tts.synthesize(request.text)
        : tts.speak(request.text, request.voice));
      return { sampleRate, pcm };
    },
    transfer: (speech) => [speech.pcm.buffer as ArrayBuffer],
    close: () => tts.close(),
  },
);

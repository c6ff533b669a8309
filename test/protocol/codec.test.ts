import { describe, expect, it } from 'vitest';
import { decodeClientMessage, encodeServerMessage, maxControlBytes } from '../../src/protocol/codec.ts';
import { type ErrorCode, VoxError } from '../../src/protocol/errors.ts';
import { opusRates, pcmInputRates, pcmOutputRates } from '../../src/protocol/messages.ts';

/** Decodes `text`, expecting a VoxError; returns it so the caller can check code and message. */
function failure(text: string): VoxError {
  try {
    decodeClientMessage(text);
  } catch (error) {
    expect(error).toBeInstanceOf(VoxError);
    return error as VoxError;
  }
  throw new Error(`expected ${text.slice(0, 80)} to be rejected`);
}

function expectCode(text: string, code: ErrorCode, message?: RegExp): void {
  const error = failure(text);
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
}

const audio = { encoding: 'pcm_s16le', sampleRate: 16000 } as const;
/** A `start` message with `audio` filled in and `extra` fields on top, as JSON. */
const start = (extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'start', audio, ...extra });

describe('decodeClientMessage: valid messages', () => {
  it('decodes stop and cancel, ignoring unknown fields', () => {
    expect(decodeClientMessage('{"type":"stop"}')).toEqual({ type: 'stop' });
    expect(decodeClientMessage('{"type":"cancel","why":"because"}')).toEqual({ type: 'cancel' });
  });

  it('decodes a minimal start with only audio, adding no optional fields', () => {
    const message = decodeClientMessage(start());
    expect(message).toEqual({ type: 'start', audio: { encoding: 'pcm_s16le', sampleRate: 16000 } });
    expect(Object.keys(message)).toEqual(['type', 'audio']);
  });

  it('accepts every listed input rate for each encoding', () => {
    for (const sampleRate of pcmInputRates) {
      expect(decodeClientMessage(start({ audio: { encoding: 'pcm_s16le', sampleRate } }))).toMatchObject({
        audio: { encoding: 'pcm_s16le', sampleRate },
      });
    }
    for (const sampleRate of opusRates) {
      expect(decodeClientMessage(start({ audio: { encoding: 'opus', sampleRate } }))).toMatchObject({
        audio: { encoding: 'opus', sampleRate },
      });
    }
  });

  it('decodes a start with every optional field', () => {
    const text = start({
      audio: { encoding: 'opus', sampleRate: 48000, extra: true },
      context: 'smart_home',
      slots: { room: ['kitchen', 'living room'], color: [] },
      slotMode: 'replace',
      partials: false,
      reply: { enabled: true, encoding: 'opus', sampleRate: 24000, voice: 'en-us+f3' },
      budgets: { intent: 300, firstAudio: 600, asr: 100, fusion: 20, tts: 250.5 },
    });
    expect(decodeClientMessage(text)).toEqual({
      type: 'start',
      audio: { encoding: 'opus', sampleRate: 48000 },
      context: 'smart_home',
      slots: { room: ['kitchen', 'living room'], color: [] },
      slotMode: 'replace',
      partials: false,
      reply: { enabled: true, encoding: 'opus', sampleRate: 24000, voice: 'en-us+f3' },
      budgets: { intent: 300, firstAudio: 600, asr: 100, fusion: 20, tts: 250.5 },
    });
  });

  it('decodes partial reply and budget objects, keeping only the fields given', () => {
    const message = decodeClientMessage(
      start({ reply: { enabled: false }, budgets: { asr: 60_000 }, slotMode: 'add' }),
    );
    expect(message).toEqual({
      type: 'start',
      audio,
      reply: { enabled: false },
      budgets: { asr: 60_000 },
      slotMode: 'add',
    });
    expect(decodeClientMessage(start({ reply: {} }))).toMatchObject({ reply: {} });
  });

  it('checks a reply sample rate against the PCM output rates when no reply encoding is given', () => {
    for (const sampleRate of pcmOutputRates) {
      expect(decodeClientMessage(start({ reply: { sampleRate } }))).toMatchObject({ reply: { sampleRate } });
    }
    // 22050 is a PCM output rate but not an Opus rate.
    expect(decodeClientMessage(start({ reply: { encoding: 'pcm_s16le', sampleRate: 22050 } }))).toMatchObject(
      {
        reply: { encoding: 'pcm_s16le', sampleRate: 22050 },
      },
    );
    expectCode(
      start({ reply: { encoding: 'opus', sampleRate: 22050 } }),
      'VX_BAD_MESSAGE',
      /reply\.sampleRate/,
    );
    // 12000 is an Opus rate but not a PCM output rate.
    expect(decodeClientMessage(start({ reply: { encoding: 'opus', sampleRate: 12000 } }))).toMatchObject({
      reply: { sampleRate: 12000 },
    });
    expectCode(start({ reply: { sampleRate: 12000 } }), 'VX_BAD_MESSAGE', /reply\.sampleRate/);
  });

  it('accepts a context of exactly 512 characters', () => {
    const context = 'c'.repeat(512);
    expect(decodeClientMessage(start({ context }))).toMatchObject({ context });
  });
});

describe('decodeClientMessage: bad messages', () => {
  it('rejects text that is not JSON', () => {
    expectCode('', 'VX_BAD_MESSAGE', /not valid JSON/);
    expectCode('{"type":"stop"', 'VX_BAD_MESSAGE', /not valid JSON/);
    expectCode("{'type':'stop'}", 'VX_BAD_MESSAGE', /not valid JSON/);
  });

  it('rejects JSON that is not an object', () => {
    for (const text of ['null', '42', '"start"', 'true', '[{"type":"stop"}]']) {
      expectCode(text, 'VX_BAD_MESSAGE', /must be a JSON object/);
    }
  });

  it('rejects a missing or unknown type, quoting it', () => {
    expectCode('{}', 'VX_BAD_MESSAGE', /unknown message type null/);
    expectCode('{"type":"pause"}', 'VX_BAD_MESSAGE', /unknown message type "pause"/);
    expectCode('{"type":"STOP"}', 'VX_BAD_MESSAGE', /unknown message type "STOP"/);
    expectCode('{"type":7}', 'VX_BAD_MESSAGE', /unknown message type 7/);
    // A long type is cut short in the message.
    expect(failure(JSON.stringify({ type: 'x'.repeat(1000) })).message.length).toBeLessThan(100);
  });

  it('rejects a start without a usable audio object', () => {
    expectCode('{"type":"start"}', 'VX_BAD_MESSAGE', /start\.audio/);
    expectCode(start({ audio: null }), 'VX_BAD_MESSAGE', /start\.audio/);
    expectCode(start({ audio: 'pcm_s16le' }), 'VX_BAD_MESSAGE', /start\.audio/);
    expectCode(start({ audio: [16000] }), 'VX_BAD_MESSAGE', /start\.audio/);
  });

  it('rejects an unsupported audio encoding with VX_UNSUPPORTED_AUDIO', () => {
    for (const encoding of ['mp3', 'PCM_S16LE', 'pcm_f32le', undefined, 16]) {
      expectCode(start({ audio: { encoding, sampleRate: 16000 } }), 'VX_UNSUPPORTED_AUDIO', /encoding/);
    }
  });

  it('rejects an unsupported sample rate for the encoding with VX_UNSUPPORTED_AUDIO', () => {
    // 44100 is fine for PCM, not for Opus; 12000 the other way round.
    expectCode(
      start({ audio: { encoding: 'opus', sampleRate: 44100 } }),
      'VX_UNSUPPORTED_AUDIO',
      /opus.*8000/,
    );
    expectCode(
      start({ audio: { encoding: 'pcm_s16le', sampleRate: 12000 } }),
      'VX_UNSUPPORTED_AUDIO',
      /pcm_s16le/,
    );
    for (const sampleRate of [undefined, '16000', 0, -16000, 16000.5, 22050]) {
      expectCode(
        start({ audio: { encoding: 'pcm_s16le', sampleRate } }),
        'VX_UNSUPPORTED_AUDIO',
        /sampleRate/,
      );
    }
  });

  it('rejects a bad context', () => {
    for (const context of ['', 42, null, ['smart_home'], 'c'.repeat(513)]) {
      expectCode(start({ context }), 'VX_BAD_MESSAGE', /start\.context/);
    }
  });

  it('rejects bad slots', () => {
    for (const slots of [null, [], 'room', 3])
      expectCode(start({ slots }), 'VX_BAD_MESSAGE', /start\.slots must be an object/);
    expectCode(start({ slots: { room: 'kitchen' } }), 'VX_BAD_MESSAGE', /start\.slots\.room/);
    expectCode(start({ slots: { room: ['kitchen', 3] } }), 'VX_BAD_MESSAGE', /start\.slots\.room/);
    expectCode(start({ slots: { room: ['kitchen', null] } }), 'VX_BAD_MESSAGE', /start\.slots\.room/);
    expectCode(start({ slots: { room: ['k'.repeat(201)] } }), 'VX_BAD_MESSAGE', /start\.slots\.room/);
    expectCode(start({ slots: { room: Array(1001).fill('x') } }), 'VX_BAD_MESSAGE', /start\.slots\.room/);
    // The limits themselves are fine.
    expect(
      decodeClientMessage(start({ slots: { room: ['k'.repeat(200)], n: Array(1000).fill('x') } })),
    ).toMatchObject({
      slots: { room: ['k'.repeat(200)] },
    });
  });

  it('rejects a bad slotMode or partials', () => {
    for (const slotMode of ['merge', 'ADD', true, null])
      expectCode(start({ slotMode }), 'VX_BAD_MESSAGE', /start\.slotMode/);
    for (const partials of ['true', 1, null])
      expectCode(start({ partials }), 'VX_BAD_MESSAGE', /start\.partials/);
  });

  it('rejects bad reply fields', () => {
    for (const reply of [null, true, 'opus', [1]])
      expectCode(start({ reply }), 'VX_BAD_MESSAGE', /start\.reply must be an object/);
    expectCode(start({ reply: { enabled: 'yes' } }), 'VX_BAD_MESSAGE', /start\.reply\.enabled/);
    // A bad reply encoding is a bad field, not unsupported input audio.
    expectCode(start({ reply: { encoding: 'mp3' } }), 'VX_BAD_MESSAGE', /start\.reply\.encoding/);
    expectCode(start({ reply: { sampleRate: '16000' } }), 'VX_BAD_MESSAGE', /start\.reply\.sampleRate/);
    expectCode(start({ reply: { sampleRate: 11025 } }), 'VX_BAD_MESSAGE', /start\.reply\.sampleRate/);
    for (const voice of ['', 'en us', 'en-us;rm -rf', 'v'.repeat(41), 7, '../voices']) {
      expectCode(start({ reply: { voice } }), 'VX_BAD_MESSAGE', /start\.reply\.voice/);
    }
    expect(decodeClientMessage(start({ reply: { voice: 'v'.repeat(40) } }))).toMatchObject({
      reply: { voice: 'v'.repeat(40) },
    });
  });

  it('rejects bad budgets, naming the stage', () => {
    for (const budgets of [null, 300, [300]])
      expectCode(start({ budgets }), 'VX_BAD_MESSAGE', /start\.budgets must be an object/);
    expectCode(
      start({ budgets: { decode: 100 } }),
      'VX_BAD_MESSAGE',
      /start\.budgets\.decode is not a stage/,
    );
    expectCode(start({ budgets: { intent: 0 } }), 'VX_BAD_MESSAGE', /start\.budgets\.intent must be/);
    expectCode(start({ budgets: { tts: -5 } }), 'VX_BAD_MESSAGE', /start\.budgets\.tts must be/);
    expectCode(start({ budgets: { asr: 60_001 } }), 'VX_BAD_MESSAGE', /start\.budgets\.asr must be/);
    expectCode(start({ budgets: { fusion: '20' } }), 'VX_BAD_MESSAGE', /start\.budgets\.fusion must be/);
    expectCode(
      start({ budgets: { firstAudio: null } }),
      'VX_BAD_MESSAGE',
      /start\.budgets\.firstAudio must be/,
    );
  });

  it('rejects a message over the size limit before parsing it', () => {
    const padding = (n: number) => start({ context: 'ok', pad: 'x'.repeat(n) });
    const fits = padding(maxControlBytes - padding(0).length);
    expect(fits.length).toBe(maxControlBytes);
    expect(decodeClientMessage(fits)).toMatchObject({ type: 'start', context: 'ok' });
    expectCode(padding(maxControlBytes - padding(0).length + 1), 'VX_BAD_MESSAGE', /longer than 65536 bytes/);
    // Even text that would not parse is refused for its size first.
    expectCode('{'.repeat(maxControlBytes + 1), 'VX_BAD_MESSAGE', /longer than/);
  });

  it('measures the size limit in UTF-8 bytes, not characters', () => {
    // 40 000 two-byte characters: 80 000 bytes, under the limit in UTF-16 code units.
    const text = start({ context: 'ok', pad: 'é'.repeat(40_000) });
    expect(text.length).toBeLessThan(maxControlBytes);
    expectCode(text, 'VX_BAD_MESSAGE', /longer than/);
  });
});

describe('encodeServerMessage', () => {
  it('writes one JSON text frame that parses back to the message', () => {
    const message = { type: 'speech_start', utterance: 3, atMs: 1250 } as const;
    const text = encodeServerMessage(message);
    expect(text).not.toContain('\n');
    expect(JSON.parse(text)).toEqual(message);
  });
});

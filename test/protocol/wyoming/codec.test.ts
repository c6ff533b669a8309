import { describe, expect, it } from 'vitest';
import { EventReader, encodeEvent, wyomingVersion } from '../../../src/protocol/wyoming/index.ts';
import { WyomingError } from '../../../src/protocol/wyoming/index.ts';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (error) {
    if (error instanceof WyomingError) return error.code;
    throw error;
  }
  return 'no error';
};

describe('encodeEvent', () => {
  it('writes the header line, the data block and the payload with byte lengths', () => {
    const out = encodeEvent(
      'audio-chunk',
      { rate: 16000, width: 2, channels: 1 },
      new Uint8Array([1, 2, 3, 4]),
    );
    const data = '{"rate":16000,"width":2,"channels":1}';
    expect(out).toEqual(
      bytes(
        `{"type":"audio-chunk","version":"${wyomingVersion}","data_length":${data.length},"payload_length":4}\n`,
        data,
        [1, 2, 3, 4],
      ),
    );
  });

  it('leaves out empty data and payload', () => {
    expect(encodeEvent('describe').toString('utf8')).toBe(
      `{"type":"describe","version":"${wyomingVersion}"}\n`,
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    const out = encodeEvent('transcript', { text: 'café ☕' });
    const data = Buffer.from('{"text":"café ☕"}', 'utf8');
    expect(data.byteLength).toBe(20);
    expect(out).toEqual(
      bytes(`{"type":"transcript","version":"${wyomingVersion}","data_length":20}\n`, [...data]),
    );
  });
});

describe('EventReader', () => {
  it("reads the reference writer's bytes (spaces after separators, data block merged over header data)", () => {
    // wyoming/event.py writes json.dumps defaults: ", " and ": " separators, non-ASCII kept.
    const data = '{"rate": 16000, "width": 2, "channels": 1, "timestamp": null}';
    const wire = bytes(
      `{"type": "audio-chunk", "version": "1.9.0", "data_length": ${Buffer.byteLength(data)}, "payload_length": 4}\n`,
      data,
      [0, 1, 255, 127],
    );
    const [event, ...rest] = new EventReader().push(wire);
    expect(rest).toEqual([]);
    expect(event).toEqual({
      type: 'audio-chunk',
      data: { rate: 16000, width: 2, channels: 1, timestamp: null },
      payload: new Uint8Array([0, 1, 255, 127]),
    });
    const merged = new EventReader().push(
      bytes(
        '{"type": "transcribe", "data": {"language": "de", "name": "x"}, "data_length": 18}\n{"language": "en"}',
      ),
    );
    expect(merged[0]?.data).toEqual({ language: 'en', name: 'x' });
  });

  it('reads events however the stream is cut, byte by byte included', () => {
    const wire = Buffer.concat([
      encodeEvent('describe'),
      encodeEvent('synthesize', { text: 'Grüße aus Köln.' }),
      encodeEvent('audio-chunk', { rate: 22050, width: 2, channels: 1 }, new Uint8Array(300).fill(7)),
    ]);
    const reader = new EventReader();
    const events = [...wire].flatMap((b) => reader.push(new Uint8Array([b])));
    expect(events.map((e) => e.type)).toEqual(['describe', 'synthesize', 'audio-chunk']);
    expect(events[1]?.data).toEqual({ text: 'Grüße aus Köln.' });
    expect(events[2]?.payload.byteLength).toBe(300);
    expect(reader.midEvent).toBe(false);
  });

  it('knows when a stream stops mid-event', () => {
    const reader = new EventReader();
    expect(reader.push(bytes('{"type": "synthesize", "data_length": 40}\n{"text":'))).toEqual([]);
    expect(reader.midEvent).toBe(true);
  });

  it('refuses a length over the limit from the header alone', () => {
    const reader = new EventReader();
    expect(codeOf(() => reader.push(bytes('{"type": "audio-chunk", "data_length": 100000000}\n')))).toBe(
      'VX_WY_TOO_LARGE',
    );
    expect(
      codeOf(() =>
        new EventReader({ maxPayloadBytes: 10 }).push(bytes('{"type":"a","payload_length":11}\n')),
      ),
    ).toBe('VX_WY_TOO_LARGE');
  });

  it('refuses a header line with no end past the limit', () => {
    const reader = new EventReader({ maxHeaderBytes: 64 });
    expect(reader.push(bytes('x'.repeat(63)))).toEqual([]);
    expect(codeOf(() => reader.push(bytes('x')))).toBe('VX_WY_TOO_LARGE');
  });

  it.each([
    ['garbage', 'hello there\n'],
    ['a JSON array', '[1, 2]\n'],
    ['no type', '{"data": {}}\n'],
    ['a negative length', '{"type": "a", "data_length": -1}\n'],
    ['a fractional length', '{"type": "a", "payload_length": 1.5}\n'],
    ['data that is a list', '{"type": "a", "data": [1]}\n'],
    ['a data block that is not an object', '{"type": "a", "data_length": 2}\n[]'],
    ['a data block that is not JSON', '{"type": "a", "data_length": 3}\n{x}'],
    ['bytes that are not UTF-8', [0xff, 0xfe, 0x0a]],
  ])('refuses %s as a bad event', (_what, wire) => {
    expect(codeOf(() => new EventReader().push(bytes(wire)))).toBe('VX_WY_BAD_EVENT');
  });
});

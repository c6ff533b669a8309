import { describe, expect, it } from 'vitest';
import { EventPrinter } from '../../src/client/eventPrinter.ts';

describe('EventPrinter', () => {
  it('marks a transcript decoded from denoised audio, and only that one', () => {
    const lines: string[] = [];
    const printer = new EventPrinter({ write: (line) => lines.push(line), origin: 0 });
    printer.print({ type: 'final', utterance: 1, text: 'go', receivedAt: 1000 });
    printer.print({ type: 'final', utterance: 2, text: 'stop', denoised: true, receivedAt: 2500 });
    expect(lines).toEqual(['   1.000s  final #1 "go"', '   2.500s  final #2 "stop" (denoised)']);
  });

  it('keeps the flag in JSON lines', () => {
    const lines: string[] = [];
    const printer = new EventPrinter({ json: true, write: (line) => lines.push(line), origin: 0 });
    printer.print({ type: 'final', utterance: 2, text: 'stop', denoised: true, receivedAt: 2500 });
    expect(JSON.parse(lines[0] as string)).toMatchObject({ type: 'final', utterance: 2, denoised: true });
  });
});

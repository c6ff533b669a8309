import { describe, expect, it } from 'vitest';
import { wyomingServeOptions } from '../../src/cli/wyomingFlags.ts';

describe('voxstream serve --wyoming-port', () => {
  it('is off unless a port is given by flag or environment, the flag first', () => {
    expect(wyomingServeOptions({}, undefined, {})).toBeNull();
    expect(wyomingServeOptions({}, '127.0.0.1', { VOXSTREAM_WYOMING_PORT: '10300' })).toMatchObject({
      port: 10300,
      host: '127.0.0.1',
      zeroconf: true,
    });
    expect(
      wyomingServeOptions(
        {
          'wyoming-port': '10400',
          'wyoming-host': '::',
          'wyoming-allow': '192.168.1.0/24, ::1',
          'wyoming-voices': 'en-gb,en-us',
          'no-zeroconf': true,
        },
        '127.0.0.1',
        { VOXSTREAM_WYOMING_PORT: '1' },
      ),
    ).toMatchObject({
      port: 10400,
      host: '::',
      allowedAddresses: ['192.168.1.0/24', '::1'],
      voices: ['en-gb', 'en-us'],
      zeroconf: false,
    });
  });

  it('checks the options before any model loads, naming the bad one', () => {
    expect(() => wyomingServeOptions({ 'wyoming-port': 'soon' }, undefined, {})).toThrow(/port/);
    expect(() =>
      wyomingServeOptions({ 'wyoming-port': '1', 'wyoming-allow': '10.0.0.0/33' }, undefined, {}),
    ).toThrow(/allowedAddresses: 10.0.0.0\/33/);
    expect(() =>
      wyomingServeOptions({ 'wyoming-port': '1', 'wyoming-allow': 'my-laptop' }, undefined, {}),
    ).toThrow(/allowedAddresses/);
    expect(() =>
      wyomingServeOptions({ 'wyoming-port': '1', 'wyoming-voices': 'en us' }, undefined, {}),
    ).toThrow(/voices/);
  });
});

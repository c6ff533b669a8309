import { readFileSync } from 'node:fs';
import type { AcousticModelName } from '../runtime/acoustic.ts';
import type { RuntimeOptions } from '../runtime/options.ts';
import { cmuFusionFormat } from '../inference/cmuFusionModel.ts';
import { defaultFusionModelPath } from '../inference/fusionPath.ts';

/** One `--flag`: a string option (`--url ws://…` or `--url=ws://…`) or a boolean switch (`--json`). */
export type FlagSpec =
  | { readonly type: 'string'; readonly description: string; readonly valueName?: string }
  | { readonly type: 'boolean'; readonly description: string };

/** What a command accepts. */
export interface CommandSpec<F extends Readonly<Record<string, FlagSpec>>> {
  /** First line of the usage text, e.g. `voxstream stream <file> [options]`. */
  readonly usage: string;
  readonly flags: F;
  /** Names of the positional arguments, for messages; `required` of them must be given, no more than all. */
  readonly positionals: { readonly names: readonly string[]; readonly required: number };
}

/** Parsed flag values: a string for string flags, `true` for switches; absent when not given. */
export type FlagValues<F extends Readonly<Record<string, FlagSpec>>> = {
  -readonly [K in keyof F]?: F[K] extends { type: 'string' } ? string : true;
};

/** Result of {@link parseArgs}. */
export interface ParsedArgs<F extends Readonly<Record<string, FlagSpec>>> {
  readonly flags: FlagValues<F>;
  readonly positionals: readonly string[];
}

/** A command line that does not match its {@link CommandSpec}; `message` says what and where. */
export class ArgsError extends Error {
  override readonly name = 'ArgsError';
  /** Stable machine-readable code. */
  readonly code = 'VX_BAD_ARGS';
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(substitute, (previous[j] as number) + 1, (row[j - 1] as number) + 1));
    }
    previous = row;
  }
  return previous[b.length] as number;
}

function unknownFlag(name: string, known: readonly string[]): ArgsError {
  const close = known
    .filter((k) => distance(name, k) <= 2)
    .sort((a, b) => distance(name, a) - distance(name, b));
  const hint = close[0] === undefined ? '' : ` (did you mean --${close[0]}?)`;
  return new ArgsError(`unknown option --${name}${hint}`);
}

/**
 * Parses `argv` (without the command name). Flags and positionals may be mixed; `--` ends the flags; `-h`
 * means `--help` when the spec has a `help` switch, and `--help` lifts the positional count checks.
 * @throws ArgsError for an unknown flag, a missing or unexpected value, a repeated flag, or a wrong number of
 *   positionals
 */
export function parseArgs<F extends Readonly<Record<string, FlagSpec>>>(
  argv: readonly string[],
  spec: CommandSpec<F>,
): ParsedArgs<F> {
  const known = Object.keys(spec.flags);
  const flags: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (arg === '-h' && spec.flags['help']?.type === 'boolean') {
      flags['help'] = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new ArgsError(`unknown option ${arg} (options are written --name)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = spec.flags[name];
    if (flag === undefined) throw unknownFlag(name, known);
    if (flags[name] !== undefined) throw new ArgsError(`--${name} given twice`);
    if (flag.type === 'boolean') {
      if (eq >= 0) throw new ArgsError(`--${name} takes no value, got "${arg.slice(eq + 1)}"`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        const got = value === undefined ? '' : `, got ${value}`;
        throw new ArgsError(`--${name} needs a value (${flag.valueName ?? 'value'})${got}`);
      }
      i++;
    }
    if (value.length === 0) throw new ArgsError(`--${name} needs a non-empty value`);
    flags[name] = value;
  }
  if (flags['help'] === undefined) {
    const { names, required } = spec.positionals;
    if (positionals.length < required)
      throw new ArgsError(`missing <${names[positionals.length] ?? 'argument'}>`);
    if (positionals.length > names.length) {
      throw new ArgsError(`unexpected argument "${positionals[names.length]}"`);
    }
  }
  return { flags: flags as FlagValues<F>, positionals };
}

/** @returns the usage line followed by one line per flag, for `--help` and after an {@link ArgsError} */
export function formatUsage(spec: CommandSpec<Readonly<Record<string, FlagSpec>>>): string {
  const rows = Object.entries(spec.flags).map(([name, flag]) => {
    const left = flag.type === 'string' ? `--${name} <${flag.valueName ?? 'value'}>` : `--${name}`;
    return [left, flag.description] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return [`usage: ${spec.usage}`, '', ...rows.map(([left, text]) => `  ${left.padEnd(width)}  ${text}`)].join(
    '\n',
  );
}

/**
 * `--fusion on` loads the shipped fusion model, `--fusion none` none (the default: the CTC likelihood ratio
 * decides), anything else is a model's path.
 */
export const fusionFlag = (value: string): string | null =>
  value === 'none' ? null : value === 'on' ? defaultFusionModelPath : value;

/**
 * The acoustic model a fusion model runs on, from the `format` of its `.json` beside the `.onnx`: `cmu` for the
 * CMU path's (voxstream-fusion-cmu-1), `ctc` for any other. A file that cannot be read is left to the
 * engine's load, which names it; this guesses `ctc` for it, the fusion model's original path.
 */
export function fusionAcousticModel(path: string): AcousticModelName {
  try {
    const meta = JSON.parse(readFileSync(path.replace(/\.onnx$/, '.json'), 'utf8')) as { format?: unknown };
    return meta.format === cmuFusionFormat ? 'cmu' : 'ctc';
  } catch {
    return 'ctc';
  }
}

/**
 * `--acoustic-model cmu|ctc` and `--acoustic-model-dir DIR` as runtime options. A fusion model (`--fusion` other
 * than `none`) is trained on one acoustic model's frames, so when none is named it selects that one
 * ({@link fusionAcousticModel}).
 */
export function acousticFlags(
  model: string | undefined,
  dir: string | undefined,
  fusion: string | undefined,
): { acousticModel?: AcousticModelName; acousticModelDir?: string } {
  const fusionPath = fusion === undefined ? null : fusionFlag(fusion);
  const chosen = model ?? (fusionPath !== null ? fusionAcousticModel(fusionPath) : undefined);
  return {
    ...(chosen !== undefined ? { acousticModel: chosen as AcousticModelName } : {}),
    ...(dir !== undefined ? { acousticModelDir: dir } : {}),
  };
}

/** `--beams B,E` as RuntimeOptions.searchBeams; anything but two numbers is a TypeError naming the flag. */
export function beamsFlag(value: string): [number, number] {
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite))
    throw new TypeError(`--beams must be two numbers, BEAM,EXIT (e.g. 150,120), got ${value}`);
  return [parts[0] as number, parts[1] as number];
}

/** `on` → true, `off` → false; anything else is a TypeError naming the flag. */
export function onOff(value: string, flag: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new TypeError(`${flag} must be on or off, got ${value}`);
}

/**
 * The recognition flags that `serve` and `infer` share and that `bench` passes on to the server it starts, as
 * `node:util` parseArgs options: one place to add a flag to all three.
 */
export const recognitionFlags = {
  fusion: { type: 'string' },
  'acoustic-model': { type: 'string' },
  'acoustic-model-dir': { type: 'string' },
  denoise: { type: 'string' },
  'remove-noise': { type: 'string' },
  'noisy-pass-choice': { type: 'string' },
  beams: { type: 'string' },
  'frame-downsample': { type: 'string' },
  'final-gaussians': { type: 'string' },
  competitors: { type: 'string' },
} as const;

export type RecognitionFlagValues = { readonly [K in keyof typeof recognitionFlags]?: string | undefined };

/**
 * {@link recognitionFlags} as runtime options (only those given); a value no option can take is a TypeError
 * naming its flag (numbers are checked by `resolveRuntimeOptions`, naming the option).
 */
export function recognitionOptions(values: RecognitionFlagValues): Partial<RuntimeOptions> {
  const number = (flag: 'frame-downsample' | 'final-gaussians' | 'competitors') =>
    values[flag] === undefined ? undefined : Number(values[flag]);
  const o: Partial<RuntimeOptions> = {
    ...(values.fusion !== undefined ? { fusionModelPath: fusionFlag(values.fusion) } : {}),
    ...acousticFlags(values['acoustic-model'], values['acoustic-model-dir'], values.fusion),
    ...(values.denoise ? { denoise: values.denoise as RuntimeOptions['denoise'] } : {}),
    ...(values['remove-noise'] !== undefined
      ? { removeNoise: onOff(values['remove-noise'], '--remove-noise') }
      : {}),
    ...(values['noisy-pass-choice'] !== undefined
      ? { noisyPassChoice: onOff(values['noisy-pass-choice'], '--noisy-pass-choice') }
      : {}),
    ...(values.beams !== undefined ? { searchBeams: beamsFlag(values.beams) } : {}),
  };
  const frameDownsample = number('frame-downsample');
  const finalGaussians = number('final-gaussians');
  const competitors = number('competitors');
  if (frameDownsample !== undefined) o.acousticFrameDownsample = frameDownsample;
  if (finalGaussians !== undefined) o.finalGaussians = finalGaussians;
  if (competitors !== undefined) o.competitors = competitors;
  return o;
}

/** The {@link recognitionFlags} given, as arguments again (`bench` passes them to the server it starts). */
export function recognitionArgs(values: RecognitionFlagValues): string[] {
  return Object.keys(recognitionFlags).flatMap((flag) => {
    const value = values[flag as keyof RecognitionFlagValues];
    return value === undefined ? [] : [`--${flag}`, value];
  });
}

/** `voxstream <command>`: the command-line entry point (bin/voxstream.js runs this through tsx). */

const usage = `usage: voxstream <command> [options]

commands:
  serve   [--port N] [--host H] [--device auto|cpu|webgpu|cuda] [--context NAME] [--contexts DIR] [--max-sessions N]
          [--tokens a,b] [--tokens-file PATH] [--token-secret S] [--token-max-ttl SEC] [--allowed-origins a,b]
          [--voices en-us,en-gb,…] [--tts-workers N]
          [--tls-key PATH --tls-cert PATH] [--max-sessions-per-address N] [--trust-proxy ADDR,…]
          [--max-message-bytes N] [--audio-burst-ms N] [--idle-timeout-ms N] [--max-session-ms N]
          [--drain-ms N] [--max-batch N] [--inference-threads worker|main] [--end-silence-ms N]
          [--accept-threshold P] [--fusion on|none|PATH] [--denoise rnnoise|auto|off] [--remove-noise on|off] [--noisy-pass-choice on|off] [--frame-downsample N]
          [--final-gaussians K] [--competitors N] [--beams B,E] [--wyoming-port N] [--wyoming-host H] [--wyoming-allow ADDR,SUBNET,…] [--wyoming-voices a,b] [--no-zeroconf]
          start the voice server (default port 8080, or PORT); drains on SIGTERM. --wyoming-port (or
          VOXSTREAM_WYOMING_PORT) also serves Home Assistant's Wyoming protocol (STT, conversation, TTS) on that port
  infer   --context NAME|PATH [--json] [--concurrency N] [--fusion on|none|PATH] [--denoise rnnoise|auto|off] [--remove-noise on|off] [--noisy-pass-choice on|off] [--frame-downsample N]
          [--final-gaussians K] [--competitors N] [--beams B,E] <file|dir|-...>
          understand WAV / Ogg Opus files in process with the server's own stream graph (a folder: its
          .wav/.opus/.ogg files, recursively; -: paths on stdin)
  stream  <file> [--url ws://localhost:8080] [--context NAME] [--opus] [--realtime|--fast] [--json] [--save-reply out.wav]
          stream a file to a running server and print what comes back
  mic     [--url ws://localhost:8080] [--context NAME]
          talk to a running server from the microphone (needs sox or arecord)
  bench   [--url ws://host:port] [--sessions 5,10,25,50,100] [--duration 30] [--warmup 10] [--budget 500]
          ramp concurrent real-time sessions; latency against load as JSON and an SVG chart
`;

/** Runs one command; resolves with the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command && commands.has(command) && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(usage);
    return 0;
  }
  try {
    return await run(command, rest);
  } catch (error) {
    // A mistyped flag or a missing value: say which, and how the command is used, not a stack trace.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`voxstream ${command}: ${(error as Error).message.split('. ')[0]}\n\n${usage}`);
      return 2;
    }
    throw error;
  }
}

const commands = new Set(['serve', 'infer', 'stream', 'mic', 'bench']);

async function run(command: string | undefined, rest: string[]): Promise<number> {
  switch (command) {
    case 'serve':
      return (await import('./serve.ts')).serveCommand(rest);
    case 'infer':
      return (await import('./infer.ts')).inferCommand(rest);
    case 'stream':
      return (await import('./stream.ts')).streamCommand(rest);
    case 'mic':
      return (await import('./mic.ts')).micCommand(rest);
    case 'bench':
      return (await import('./bench.ts')).benchCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`voxstream: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

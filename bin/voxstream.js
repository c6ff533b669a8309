#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npm ci && npm start` needs no build step.
import { register } from 'tsx/esm/api';

// onnxruntime's Linux telemetry reads /proc/self/cmdline when its first session opens and overflows the stack
// on a long one (`infer` with ~600 paths of 45 characters dies with SIGSEGV); it also leaves a
// /tmp/mat-debug-PID.log behind on every run. Read when that first session opens, so set it before.
process.env.ORT_DISABLE_TELEMETRY ??= '1';
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

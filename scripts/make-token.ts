/**
 * Mints a signed voxstream access token (see PROTOCOL.md "Access"):
 *
 *   VOXSTREAM_TOKEN_SECRET=… npx tsx scripts/make-token.ts [--sid ID] [--ttl-sec 3600] [--unlimited] [--secret S]
 *
 * Prints the token on stdout. `--sid` defaults to a random UUID; `--unlimited` sets `rt: false` (audio may
 * go faster than real time, for benchmarks). The secret comes from `--secret` or `VOXSTREAM_TOKEN_SECRET`.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { minSecretBytes, signToken } from '../src/server/tokens.ts';

const { values } = parseArgs({
  options: {
    sid: { type: 'string' },
    'ttl-sec': { type: 'string', default: '3600' },
    unlimited: { type: 'boolean', default: false },
    secret: { type: 'string' },
  },
});
const secret = values.secret ?? process.env['VOXSTREAM_TOKEN_SECRET'];
const ttlSec = Number(values['ttl-sec']);
if (!secret || Buffer.byteLength(secret) < minSecretBytes) {
  process.stderr.write(
    `make-token: give a secret of at least ${minSecretBytes} bytes (--secret or VOXSTREAM_TOKEN_SECRET)\n`,
  );
  process.exit(2);
}
if (!(ttlSec > 0)) {
  process.stderr.write(
    `make-token: --ttl-sec must be a positive number of seconds, got ${values['ttl-sec']}\n`,
  );
  process.exit(2);
}
const claims = {
  sid: values.sid ?? randomUUID(),
  exp: Math.floor(Date.now() / 1000) + Math.round(ttlSec),
  ...(values.unlimited ? { rt: false } : {}),
};
process.stdout.write(`${signToken(claims, secret)}\n`);

export { decodeClientMessage, encodeServerMessage, maxControlBytes } from './codec.ts';
export { type ErrorCode, VoxError, errorCodes } from './errors.ts';
export * from './messages.ts';

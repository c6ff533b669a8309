export { decodeClientMessage, encodeServerMessage, maxControlBytes } from './codec.ts';
export { type ErrorCode, VoxError, endsUtterance, errorCodes, utteranceNotices } from './errors.ts';
export * from './messages.ts';

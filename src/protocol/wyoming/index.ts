/**
 * Home Assistant's Wyoming protocol on the wire: events (a JSON header line, data, payload) and the error codes
 * voxstream's Wyoming endpoint sends. No I/O: the server (src/server/wyoming/) and the client
 * (src/client/wyomingClient.ts) read and write sockets with these.
 */
export {
  EventReader,
  defaultEventLimits,
  encodeEvent,
  wyomingVersion,
  type EventLimits,
  type WyomingEvent,
} from './codec.ts';
export { WyomingError, wyomingErrorCodes, type WyomingErrorCode } from './errors.ts';

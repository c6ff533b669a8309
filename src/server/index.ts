export { VoxServer } from './server.ts';
export { defaultServerOptions, resolveServerOptions, type ServerOptions } from './config.ts';

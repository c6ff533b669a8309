import type { Logger } from '../../runtime/index.ts';

/** A running mDNS advertisement; `stop()` sends the goodbye packets and frees the sockets. Idempotent. */
export interface Advertisement {
  stop(): Promise<void>;
}

/**
 * Advertises `_wyoming._tcp` on `port` under `name` by multicast DNS, as Home Assistant's zeroconf discovery
 * looks for it (no TXT records). Uses @homebridge/ciao, an RFC 6762/6763 responder in plain TypeScript that
 * probes for the name (a second voxstream on the network gets `name (2)`) and says goodbye on stop; loaded
 * only when advertising is on. A failure to advertise is logged, not thrown: the endpoint works without it.
 */
export async function advertise(name: string, port: number, log: Logger): Promise<Advertisement> {
  const ciao = await import('@homebridge/ciao');
  const responder = ciao.getResponder();
  const service = responder.createService({ name, type: 'wyoming', port });
  // Not awaited: probing takes a second or more, and start-up should not wait on the network.
  service.advertise().then(
    () => log.info('wyoming advertised', { service: `${name}._wyoming._tcp.local`, port }),
    (error: unknown) => log.warn('wyoming zeroconf advertisement failed', { error: String(error) }),
  );
  let stopped: Promise<void> | null = null;
  return {
    stop: () =>
      (stopped ??= (async () => {
        await service.destroy().catch(() => undefined);
        await responder.shutdown().catch(() => undefined);
      })()),
  };
}

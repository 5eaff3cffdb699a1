import type { Logger } from 'pino';
import { PlatformControl, type ControlOptions } from '../../actors/platform/control.js';
import { platformTree, stopPlatform } from '../../actors/platform/tree.js';
import { ActorSystem, type ActorSystemOptions, type ShutdownReport } from '../../runtime/system.js';
import type { PlatformConfig } from '../config/schema.js';
import { ApiFeed, startApiServer, STREAM_OUTLET, type ApiServer } from './server.js';
import type { TokenStore } from './tokens.js';

export interface RunningPlatform {
  system: ActorSystem;
  control: PlatformControl;
  api: ApiServer;
  /** Closes the API, then stops the platform gracefully (mailboxes drained). */
  stop(): Promise<ShutdownReport>;
}

/** Starts the supervision tree of `config` with the API in front of it, the hub pushing events to the API's stream. */
export async function launchPlatform(
  config: PlatformConfig,
  options: ControlOptions & { tokens: TokenStore; version: string; log: Logger; system?: Omit<ActorSystemOptions, 'outlets' | 'logger'> },
): Promise<RunningPlatform> {
  const feed = new ApiFeed();
  const tree = platformTree(config, { ...options.platform, outlets: [STREAM_OUTLET] });
  const system = await ActorSystem.start(tree, { ...options.system, logger: options.log, outlets: { [STREAM_OUTLET]: feed.outlet } });
  const control = new PlatformControl(system, config, options);
  let api: ApiServer;
  try {
    api = await startApiServer({ system, control, tokens: options.tokens, feed, config: config.api, version: options.version, log: options.log });
  } catch (error) {
    await system.shutdown();
    throw error;
  }
  return {
    system,
    control,
    api,
    stop: async () => {
      await api.close();
      return stopPlatform(system, config);
    },
  };
}

import { runActorWorker } from '../../runtime/worker-main.js';
import trader from './trader.js';

/**
 * The trader's worker thread as one file: the build bundles this entry with every module it needs
 * (`trader.bundle.cjs`, see tsup.config.ts), which the runtime then loads in place of its generic entry
 * (see `bundleOf` and `runtime/bundle-loader.cjs`). A fleet starts a thousand of these; one file loads in
 * a third of the time a graph of a hundred ES modules does.
 */
runActorWorker(trader);

import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import type { LiveStream, StreamEvent } from './stream.js';

/** What a GET gives: its data, or the error that stopped it, and a way to ask again. */
export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/**
 * Least time between two refreshes of one view's data: at 20 fills/s a view is asked again twice a
 * second, not twenty times (what the stream itself carries, such as a chart's new fills, is drawn at once).
 */
const REFRESH_GAP_MS = 500;

/**
 * `GET path`, asked again when `path` changes, when `reload` is called, and (throttled to one request
 * in flight plus one waiting, `REFRESH_GAP_MS` apart) whenever `stream` brings an event that
 * `refreshOn` wants: views follow the platform live without polling it.
 */
export function useApi<T>(path: string | null, stream?: LiveStream, refreshOn?: (event: StreamEvent) => boolean): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    // Its own per path: a request still in flight for the path before is ignored, never waited on.
    const flight = { busy: false, again: false };
    const load = () => {
      if (flight.busy) {
        flight.again = true;
        return;
      }
      flight.busy = true;
      call<T>('GET', path)
        .then((answer) => live && (setData(answer), setError(undefined)))
        .catch((e: Error) => live && setError(e.message))
        .finally(() => {
          if (!(live && flight.again)) {
            flight.busy = false;
            return;
          }
          // Still busy through the gap: events meanwhile are served by the one refresh at its end.
          flight.again = false;
          setTimeout(() => {
            flight.busy = false;
            if (live) load();
          }, REFRESH_GAP_MS);
        });
    };
    load();
    const off = stream && refreshOn ? stream.on((events) => events.some(refreshOn) && load()) : undefined;
    return () => {
      live = false;
      off?.();
    };
  }, [path, round]);
  return { data, error, reload: () => setRound((r) => r + 1) };
}

/** Runs `action`, reporting its failure to `onError`; `busy` while it runs, so its button cannot be pressed twice. */
export function useAction(onError: (message: string) => void): [boolean, (action: () => Promise<unknown>) => Promise<void>] {
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await action();
    } catch (e) {
      onError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return [busy, run];
}

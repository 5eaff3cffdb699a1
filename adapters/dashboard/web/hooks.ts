import { useEffect, useRef, useState } from 'preact/hooks';
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
  const flight = useRef({ busy: false, again: false });
  useEffect(() => {
    if (path === null) return;
    let live = true;
    const load = () => {
      if (flight.current.busy) {
        flight.current.again = true;
        return;
      }
      flight.current.busy = true;
      call<T>('GET', path)
        .then((answer) => live && (setData(answer), setError(undefined)))
        .catch((e: Error) => live && setError(e.message))
        .finally(() => {
          if (!(live && flight.current.again)) {
            flight.current.busy = false;
            return;
          }
          // Still busy through the gap: events meanwhile are served by the one refresh at its end.
          flight.current.again = false;
          setTimeout(() => {
            flight.current.busy = false;
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

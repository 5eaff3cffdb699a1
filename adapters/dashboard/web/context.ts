import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { LiveStream } from './stream.js';

export type Scope = 'read' | 'trade' | 'admin';

/** What every view of a signed-in tab shares. */
export interface Session {
  name: string;
  scopes: Scope[];
  stream: LiveStream;
  /** Shows a message in the tab's notice bar: failures of actions, and what they did. */
  notify: (message: string, kind?: 'error' | 'info') => void;
}

export const SessionContext = createContext<Session>(undefined as unknown as Session);

export const useSession = () => useContext(SessionContext);

/** Whether the token may do what `scope` allows: admin includes trade, trade includes read (as the API decides). */
export function can(session: Session, scope: Scope): boolean {
  const rank = { read: 0, trade: 1, admin: 2 } as const;
  return session.scopes.some((s) => rank[s] >= rank[scope]);
}

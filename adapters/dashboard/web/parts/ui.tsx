import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';
import { formatDecimal, formatSigned, signOf } from '../decimal.js';
import { useAction } from '../hooks.js';
import { useSession } from '../context.js';

/** An amount, exact, with its sign coloured when it is a gain or a loss. */
export function Amount({ value, places = 2, signed = false }: { value: string | null | undefined; places?: number; signed?: boolean }) {
  const sign = signed ? signOf(value) : 0;
  return <span class={`num${sign > 0 ? ' gain' : sign < 0 ? ' loss' : ''}`}>{signed ? formatSigned(value, places) : formatDecimal(value, places)}</span>;
}

export function Badge({ text, tone }: { text: string; tone?: 'good' | 'warn' | 'bad' | 'idle' }) {
  return <span class={`badge ${tone ?? toneOf(text)}`}>{text}</span>;
}

const TONES: Record<string, 'good' | 'warn' | 'bad' | 'idle'> = {
  running: 'good', active: 'good', live: 'good', ok: 'good', connected: 'good', filled: 'good', accepted: 'good', resolved: 'good', true: 'good',
  starting: 'warn', restarting: 'warn', 'reduce-only': 'warn', pending: 'warn', connecting: 'warn', partially_filled: 'warn', open: 'warn', skipped: 'warn',
  failed: 'bad', halted: 'bad', firing: 'bad', offline: 'bad', rejected: 'bad', false: 'bad', unreachable: 'bad',
};
function toneOf(text: string) {
  return TONES[text] ?? 'idle';
}

export function Card({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header>
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** A table that scrolls sideways inside its card on a narrow screen instead of widening the page. */
export function Table({ head, rows, empty = 'nothing yet', label }: { head: string[]; rows: ComponentChildren[][]; empty?: string; label: string }) {
  return (
    <div class="scroll">
      <table aria-label={label}>
        <thead>
          <tr>{head.map((h) => <th key={h}>{h}</th>)}</tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={head.length} class="empty">{empty}</td>
            </tr>
          ) : (
            rows.map((cells, i) => <tr key={i}>{cells.map((cell, j) => <td key={j}>{cell}</td>)}</tr>)
          )}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A button that runs an API action once at a time; with `confirm`, only after the user confirms in a
 * dialog that says what it will do. Its failure shows in the notice bar with the API's message.
 */
export function ActionButton({ label, run, confirm, danger, done }: { label: string; run: () => Promise<unknown>; confirm?: string; danger?: boolean; done?: string }) {
  const session = useSession();
  const [busy, act] = useAction((message) => session.notify(`${label}: ${message}`));
  const dialog = useRef<HTMLDialogElement>(null);
  const go = () => act(async () => {
    await run();
    if (done) session.notify(done, 'info');
  });
  return (
    <>
      <button class={danger ? 'danger' : ''} disabled={busy} onClick={() => (confirm ? dialog.current?.showModal() : go())}>
        {label}
      </button>
      {confirm && (
        <dialog ref={dialog} class="confirm">
          <p>{confirm}</p>
          <form method="dialog">
            <button value="cancel">Cancel</button>
            <button class="danger" value="ok" onClick={() => go()}>
              {label}
            </button>
          </form>
        </dialog>
      )}
    </>
  );
}

export function time(ms: number | string | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const date = new Date(typeof ms === 'string' && /^\d+$/.test(ms) ? Number(ms) : ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString().replace('T', ' ').slice(0, 19);
}

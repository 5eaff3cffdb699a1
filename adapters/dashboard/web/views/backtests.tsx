import { useState } from 'preact/hooks';
import { Card, Table } from '../parts/ui.js';
import { Figure, FIGURES } from './trader.js';

/** What the view reads of a `report.json` written by `botv3 backtest`. */
interface Report {
  run: { from: string; to: string; timeframe: string; steps: number; fills: string };
  portfolio: { summary: Record<string, unknown> };
  traders: { traderId: string; summary: Record<string, unknown>; fills: unknown[] }[];
}

interface Loaded {
  name: string;
  report: Report;
}

/** A file is taken as a report only when it has the parts the view shows; anything else is named and refused. */
function asReport(name: string, text: string): Report {
  const data = JSON.parse(text) as Partial<Report>;
  if (!data.run || !data.portfolio?.summary || !Array.isArray(data.traders)) throw new Error(`${name} is not a report.json of botv3 backtest (no run, portfolio.summary or traders)`);
  return data as Report;
}

/**
 * Stored backtest reports, side by side: each run's portfolio figures in a column, then each trader's.
 * Reports are read in the browser from files the user picks (they never leave the tab); a backtest is
 * run with `botv3 backtest -c CONFIG --data DIR --out DIR`, whose `report.json` loads here.
 */
export function Backtests() {
  const [reports, setReports] = useState<Loaded[]>([]);
  const [error, setError] = useState<string>();
  const load = async (files: FileList | null) => {
    setError(undefined);
    try {
      const loaded = await Promise.all([...(files ?? [])].map(async (file) => ({ name: file.name, report: asReport(file.name, await file.text()) })));
      setReports((before) => [...before, ...loaded]);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const columns = reports.flatMap(({ name, report }) => [
    { label: `${name}: portfolio`, summary: report.portfolio.summary },
    ...report.traders.map((t) => ({ label: `${name}: ${t.traderId}`, summary: t.summary })),
  ]);
  return (
    <Card title="Backtests" actions={reports.length > 0 && <button onClick={() => setReports([])}>clear</button>}>
      <p class="note">
        Run a backtest with <code>botv3 backtest -c CONFIG --data DIR --out DIR</code>, then load its <code>report.json</code> here; load several to compare them.
      </p>
      <input type="file" accept="application/json,.json" multiple aria-label="report files" onChange={(e) => load((e.target as HTMLInputElement).files)} />
      {error && <p class="error">{error}</p>}
      {reports.length > 0 && (
        <>
          <Table label="runs" head={['report', 'from', 'to', 'timeframe', 'steps', 'fills']} rows={reports.map(({ name, report }) => [name, report.run.from, report.run.to, report.run.timeframe, report.run.steps, report.run.fills])} />
          <Table label="comparison" head={['figure', ...columns.map((c) => c.label)]} rows={FIGURES.map(([name, label, kind]) => [label, ...columns.map((c) => <Figure value={c.summary[name]} kind={kind} />)])} />
        </>
      )}
    </Card>
  );
}

import { createClient, type ExchangeId } from '../exchanges/client.js';
import { downloadCandles } from '../market-data/download.js';
import { progressDisplay } from './progress.js';
import { parseTimeOption } from './time.js';

export interface DownloadCommand {
  exchange: ExchangeId;
  symbols: string[];
  timeframe: string;
  from: string;
  to?: string;
  data: string;
  sandbox: boolean;
  endpoint?: string;
}

/**
 * `botv3 data download`: public candles of an exchange into the data folder `botv3 backtest` reads,
 * with a progress bar per symbol; run again, it goes on from what the files hold.
 */
export async function downloadCommand(command: DownloadCommand, print: (line: string) => void): Promise<void> {
  const from = parseTimeOption(command.from, '--from');
  const to = command.to === undefined ? Date.now() : parseTimeOption(command.to, '--to');
  const client = createClient({ exchange: command.exchange, sandbox: command.sandbox, ...(command.endpoint ? { endpoint: command.endpoint } : {}) });
  const display = progressDisplay('candles');
  try {
    const results = await downloadCandles({ client, symbols: command.symbols, timeframe: command.timeframe, from, to, dataDir: command.data, onProgress: (p) => display.update(p) });
    display.stop();
    for (const r of results) print(`${r.symbol}: ${r.written.toLocaleString('en-US')} new candles in ${r.file}`);
  } finally {
    display.stop();
    await client.close();
  }
}

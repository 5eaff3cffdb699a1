import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Journal } from '../../../adapters/database/journal.js';
import type { RowBatch } from '../../../actors/persistence/rows.js';

const batch = (id: string): RowBatch => ({
  signals: [],
  orders: [],
  trades: [],
  positions: [],
  balances: [],
  reviews: [],
  events: [{ id, trader_id: 't1', kind: 'mode', payload: '{}', at: 1 }],
  modes: [],
});

const path = async () => join(await mkdtemp(join(tmpdir(), 'botv3-journal-')), 'data', 'journal.ndjson');

test('keeps batches in order across a reopen, and clears', async () => {
  const file = await path();
  const journal = await Journal.open(file, 1_000_000);
  expect(await journal.append(batch('a'))).toBe(true);
  expect(await journal.append(batch('b'))).toBe(true);
  await journal.close();
  const reopened = await Journal.open(file, 1_000_000);
  expect(reopened.bytes).toBeGreaterThan(0);
  expect((await reopened.read()).map((b) => b.events[0]!.id)).toEqual(['a', 'b']);
  await reopened.clear();
  expect(reopened.bytes).toBe(0);
  expect(await reopened.read()).toEqual([]);
  await reopened.close();
});

test('refuses a batch that would take it over its bound, writing nothing', async () => {
  const one = Buffer.byteLength(`${JSON.stringify(batch('a'))}\n`);
  const journal = await Journal.open(await path(), one * 2);
  expect(await journal.append(batch('a'))).toBe(true);
  expect(await journal.append(batch('b'))).toBe(true);
  expect(await journal.append(batch('c'))).toBe(false);
  expect(journal.bytes).toBe(one * 2);
  expect((await journal.read()).map((b) => b.events[0]!.id)).toEqual(['a', 'b']);
  await journal.close();
});

test('drops a line torn by a crash mid-append, and appends after the last whole one', async () => {
  const file = await path();
  const journal = await Journal.open(file, 1_000_000);
  await journal.append(batch('a'));
  await journal.close();
  await appendFile(file, '{"signals":[],"ord');
  const reopened = await Journal.open(file, 1_000_000);
  await reopened.append(batch('b'));
  expect((await reopened.read()).map((b) => b.events[0]!.id)).toEqual(['a', 'b']);
  expect((await readFile(file, 'utf8')).split('\n')).toHaveLength(3);
  await reopened.close();
});

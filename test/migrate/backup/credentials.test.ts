import { expect, test } from 'vitest';
import { asMigrationError, libpqLogin } from '../../../migrate/backup/credentials.js';
import { MigrationError } from '../../../migrate/errors.js';

test('pg_dump gets the URL without its password, and the password in PGPASSWORD', () => {
  const login = libpqLogin('postgres://bot:s3cr%40t%2Fx@db.example:5433/bot_trading_v2?sslmode=require');
  expect(login.dbname).toBe('postgres://bot@db.example:5433/bot_trading_v2?sslmode=require');
  expect(login.env.PGPASSWORD).toBe('s3cr@t/x');
  expect(login.env.PATH).toBe(process.env.PATH);
  expect(login.secrets).toEqual(['s3cr@t/x', 's3cr%40t%2Fx']);
});

test('a password given as a query parameter is taken out too', () => {
  const login = libpqLogin('postgresql://bot@db/v2?password=hunter2&application_name=x');
  expect(login.dbname).toBe('postgresql://bot@db/v2?application_name=x');
  expect(login.env.PGPASSWORD).toBe('hunter2');
});

test('a URL without a password leaves PGPASSWORD as the environment has it', () => {
  const login = libpqLogin('postgres://bot@db/v2');
  expect(login.dbname).toBe('postgres://bot@db/v2');
  expect(login.env.PGPASSWORD).toBe(process.env.PGPASSWORD);
  expect(login.secrets).toEqual([]);
});

test('asMigrationError keeps a MigrationError code and wraps anything else as ERR_BACKUP, masked', () => {
  const secrets = ['hunter2'];
  const own = new MigrationError('ERR_MIGRATION_SOURCE', 'cannot connect');
  expect(asMigrationError(own, 'backup failed', secrets)).toBe(own);
  expect(asMigrationError(new MigrationError('ERR_MIGRATION_SOURCE', 'password hunter2 rejected'), 'backup failed', secrets)).toMatchObject({ code: 'ERR_MIGRATION_SOURCE', message: 'password *** rejected' });
  const wrapped = asMigrationError(new Error('EACCES: hunter2'), 'backup failed', secrets);
  expect(wrapped).toBeInstanceOf(MigrationError);
  expect(wrapped).toMatchObject({ code: 'ERR_BACKUP', message: 'backup failed: EACCES: ***' });
});

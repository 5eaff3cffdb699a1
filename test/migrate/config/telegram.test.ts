import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { migrateTelegram } from '../../../migrate/config/telegram.js';
import { MigrationError } from '../../../migrate/errors.js';
import { FIXTURE } from './fixtures.js';

const TOKEN = '987654321:AAsecret-token_value';

function failure(text: string): MigrationError {
  try {
    migrateTelegram(text);
  } catch (error) {
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('ERR_V2_CONFIG');
    return error as MigrationError;
  }
  throw new Error('expected migrateTelegram to fail');
}

describe('migrateTelegram', () => {
  test("maps the fixture's chats and flags, and hands the token over apart", () => {
    const migration = migrateTelegram(readFileSync(join(FIXTURE, 'telegram.yaml'), 'utf8'));
    expect(migration.section).toEqual({ chatIds: [111111111, -100222222222], notifications: { trade_executed: true, error_alert: true, daily_report: true } });
    expect(migration.token).toBe('123456789:AAH-placeholder-token');
    expect(migration.warnings).toEqual([]);
    expect(migration.lines.join('\n')).not.toContain('placeholder-token');
    expect(migration.lines).toContain(
      "telegram commands: v3's bot answers v2's /start, /status, /balance, /positions, /stop under the same names, plus /help, /traders, /halt, /resume, /reviews; /stop asks to confirm, then cancels orders, closes positions and halts every trader",
    );
  });

  test('keeps flags turned off, and warns about a bot with no token or no chats', () => {
    const migration = migrateTelegram('notify_on_trade: false\n');
    expect(migration.section).toEqual({ chatIds: [], notifications: { trade_executed: false, error_alert: true, daily_report: true } });
    expect(migration.token).toBeUndefined();
    expect(migration.warnings).toEqual([
      'telegram.yaml has no bot_token: set TELEGRAM_BOT_TOKEN, or v3 starts no bot',
      'telegram.yaml allowed_chats is empty: the bot would answer no chat and notify none',
    ]);
  });

  test.each([
    ['a malformed token', `bot_token: "not-a-token ${TOKEN}"\n`, 'telegram.yaml: bot_token: not a bot token such as 123456789:AA... (value not shown)'],
    ['broken YAML around the token', `bot_token: "${TOKEN}\nallowed_chats: [1\n`, 'telegram.yaml: not valid YAML at line 3, column 1 (MISSING_CHAR)'],
    ['a chat id that is not an integer', `bot_token: "${TOKEN}"\nallowed_chats: [1, 2.5]\n`, 'telegram.yaml: allowed_chats[1]: Invalid input: expected int, received number'],
    ['a flag that is not a boolean', 'notify_on_error: yes\n', 'telegram.yaml: notify_on_error: Invalid input: expected boolean, received string'],
    ['a field v3 has no place for', 'admin_chat: 5\n', 'telegram.yaml: admin_chat: unknown field: v3 has no place for it (remove it to migrate)'],
  ])('%s is an error naming the field, never the token', (_what, text, message) => {
    const error = failure(text);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('secret-token');
  });
});

import { z } from 'zod';
import { parseV2, parseV2Yaml, type Report } from './source.js';

export const TELEGRAM_FILE = 'telegram.yaml';

/** botv3.yaml's `telegram` section, without the token (it goes to `.env`). */
export interface TelegramSection {
  chatIds: number[];
  notifications: { trade_executed: boolean; error_alert: boolean; daily_report: boolean };
}

export interface TelegramMigration extends Report {
  section: TelegramSection;
  /** The bot token, for `TELEGRAM_BOT_TOKEN`: never printed. */
  token?: string;
}

/** v2's commands, all answered under the same names by v3's bot. */
export const V2_COMMANDS = ['start', 'status', 'balance', 'positions', 'stop'] as const;
/** What v3's bot answers besides. */
export const V3_ONLY_COMMANDS = ['help', 'traders', 'halt', 'resume', 'reviews'] as const;

const fileSchema = z.strictObject({
  // The message never includes the value: this field is a secret.
  bot_token: z.string().regex(/^\d+:[\w-]+$/, 'not a bot token such as 123456789:AA... (value not shown)').optional(),
  allowed_chats: z.array(z.number().int()).default([]),
  notify_on_trade: z.boolean().default(true),
  notify_on_error: z.boolean().default(true),
});

/**
 * Reads v2's telegram.yaml: the chats and notification flags become botv3.yaml's `telegram` section.
 * v2 had no daily report switch; v3's is on, as its default.
 */
export function migrateTelegram(text: string): TelegramMigration {
  const v2 = parseV2(TELEGRAM_FILE, fileSchema, parseV2Yaml(TELEGRAM_FILE, text).toJS() ?? {});
  const result: TelegramMigration = {
    section: {
      chatIds: v2.allowed_chats,
      notifications: { trade_executed: v2.notify_on_trade, error_alert: v2.notify_on_error, daily_report: true },
    },
    lines: [
      `telegram.yaml allowed_chats -> telegram.chatIds (${v2.allowed_chats.length} chats)`,
      `telegram.yaml notify_on_trade: ${v2.notify_on_trade}, notify_on_error: ${v2.notify_on_error} -> telegram.notifications.trade_executed, error_alert; daily_report: true (v2 had none)`,
      `telegram commands: v3's bot answers v2's /${V2_COMMANDS.join(', /')} under the same names, plus /${V3_ONLY_COMMANDS.join(', /')}; /stop asks to confirm, then cancels orders, closes positions and halts every trader`,
    ],
    warnings: [],
  };
  if (v2.bot_token) result.token = v2.bot_token;
  else result.warnings.push('telegram.yaml has no bot_token: set TELEGRAM_BOT_TOKEN, or v3 starts no bot');
  if (v2.allowed_chats.length === 0) result.warnings.push('telegram.yaml allowed_chats is empty: the bot would answer no chat and notify none');
  return result;
}

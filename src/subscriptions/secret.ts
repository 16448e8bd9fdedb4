/**
 * The HMAC key for tokens: SECRET_KEY when set; otherwise a key generated once and kept beside
 * the SQLite database (mode 0600), so that links in sent emails keep working across restarts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

/** Returns the key and, when one was just generated, a warning to print. */
export function resolveSecretKey(cfg: Config): { key: string; warning?: string } {
  if (cfg.SECRET_KEY) return { key: cfg.SECRET_KEY };
  if (!cfg.sqlitePath) throw new AppError('CONFIG_INVALID', 'config: SECRET_KEY is required when DATABASE_URL is not a file: database');
  const file = path.join(path.dirname(cfg.sqlitePath), 'secret.key');
  const shown = path.relative(cfg.cwd, file) || file;
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length < 32) throw new AppError('CONFIG_INVALID', `config: ${shown} holds a key shorter than 32 characters`);
    return { key };
  }
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, warning: `SECRET_KEY is not set; generated one and kept it in ${shown}` };
}

import { createHash } from 'node:crypto';

// Versioned so the derivation can change later without colliding with existing keys.
const USER_KEY_PREFIX = 'speaker-helper:user:v1:';

/**
 * The table key for an Alexa userId: a SHA-256 hex digest, so raw user ids are never stored or logged.
 * Alexa user ids are long random strings, so an unsalted hash is not practically reversible.
 */
export function userKeyOf(userId: string): string {
  if (typeof userId !== 'string' || userId.length === 0) {
    throw new TypeError('userKeyOf: userId must be a non-empty string');
  }
  // A turn needs the key up to three times (read, write, log line): the last few are remembered.
  let key = recent.get(userId);
  if (key === undefined) {
    key = createHash('sha256')
      .update(USER_KEY_PREFIX + userId, 'utf8')
      .digest('hex');
    if (recent.size >= RECENT_KEYS) recent.clear();
    recent.set(userId, key);
  }
  return key;
}

const RECENT_KEYS = 64;
const recent = new Map<string, string>();

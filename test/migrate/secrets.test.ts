import { expect, test } from 'vitest';
import { scrub, urlSecrets } from '../../migrate/secrets.js';

test('a URL password is found in every form a message may show it', () => {
  expect(urlSecrets('postgres://bot:p%40ss@db/v2')).toEqual(['p@ss', 'p%40ss']);
  expect(urlSecrets('postgres://bot@db/v2?password=hunter2')).toEqual(['hunter2']);
  expect(urlSecrets('postgres://bot@db/v2')).toEqual([]);
  expect(urlSecrets('not a url')).toEqual([]);
});

test('scrub masks URL passwords and every given secret, the longest first', () => {
  const secrets = [...urlSecrets('postgres://bot:p%40ss@db/v2'), 'bv3_abc_secret', 'bv3_abc', undefined];
  expect(scrub('login p@ss failed for postgres://bot:p%40ss@db/v2 (p@ss), https://u:x@h/ with bv3_abc_secret', secrets)).toBe(
    'login *** failed for postgres://bot:***@db/v2 (***), https://u:***@h/ with ***',
  );
});

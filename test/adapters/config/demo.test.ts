import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEMO_CONFIG } from '../../../adapters/config/demo.js';
import { parseConfig } from '../../../adapters/config/load.js';

test('the README shows the demo config as it is', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const yaml = /^## Configuration$[\s\S]*?^```yaml\n([\s\S]*?)^```$/m.exec(readme)?.[1];
  expect(yaml, 'a yaml block under ## Configuration').toBeDefined();
  expect(parseConfig(parseYaml(yaml!), 'README.md')).toEqual(parseConfig(DEMO_CONFIG, 'demo.ts'));
});

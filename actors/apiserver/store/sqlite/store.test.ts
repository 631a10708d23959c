import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreContract } from '../contract.js';
import { SqliteStore } from './store.js';

describeStoreContract('sqlite', async (options) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-'));
  const store = new SqliteStore({ path: join(dir, 'skiff.db'), ...options });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

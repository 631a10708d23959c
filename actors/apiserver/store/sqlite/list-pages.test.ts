import { describeListPagesContract } from '../contract.js';
import { SqliteStore } from './store.js';

describeListPagesContract('sqlite', async (options = {}) => {
  const store = new SqliteStore({ path: ':memory:', ...options });
  return { store, cleanup: () => store.close() };
});

#!/usr/bin/env node
// The `skiff` CLI. Commands are compiled to dist/ by `npm run build` (run by `npm install`).
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });

#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm install` through the prepare script).
import('../dist/cli.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('tributary: dist/ is missing; run `npm install` (or `npm run build`) first');
    process.exit(1);
  }
  throw e;
});

// Set-up for every test file. fast-check: Property tests are deterministic by default (a
// fixed seed), so CI never fails at random; set FC_SEED=random (or a number) and FC_RUNS to
// explore further. Seeds of failures found that way belong in regression tests.
import fc from 'fast-check';
import { setPoisonOnReset } from '../../src/dataflow/batch.js';

const seed = process.env.FC_SEED;
fc.configureGlobal({
  ...(seed === 'random' ? {} : { seed: seed ? Number(seed) : 20261123 }),
  ...(process.env.FC_RUNS ? { numRuns: Number(process.env.FC_RUNS) } : {}),
});

// Reused batch buffers are poisoned when reset, so a batch kept past its circuit step would
// turn into wrong answers that the differential tests catch.
setPoisonOnReset(true);

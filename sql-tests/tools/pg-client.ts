// The oracle connection of the tools: a real PostgreSQL reached through the usual libpq
// environment variables (default: the Unix socket in /var/run/postgresql, database
// slt_oracle, the current user), every value returned as PostgreSQL's text output.

import { userInfo } from 'node:os';
import pg from 'pg';

export async function connectOracle(): Promise<pg.Client> {
  const client = new pg.Client({
    host: process.env.PGHOST ?? '/var/run/postgresql',
    database: process.env.PGDATABASE ?? 'slt_oracle',
    user: process.env.PGUSER ?? userInfo().username,
    types: { getTypeParser: () => (v: string) => v } as never,
  });
  await client.connect();
  return client;
}

// The tests' Kafka broker: librdkafka's mock cluster (kafka_mock.py), which speaks the real
// Kafka protocol on loopback. No Apache Kafka runs here; .ci/run installs librdkafka1.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface MockKafka {
  /** Bootstrap servers, "127.0.0.1:port,…". */
  brokers: string;
  stop(): void;
}

/** Start a mock cluster with `topics` (name → partitions). */
export function startMockKafka(topics: Record<string, number>, brokerCount = 1): Promise<MockKafka> {
  const script = fileURLToPath(new URL('./kafka_mock.py', import.meta.url));
  const child = spawn('python3', [script, String(brokerCount), ...Object.entries(topics).map(([t, p]) => `${t}:${p}`)], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ brokers: line.trim(), stop: () => child.stdin.end() });
    });
    child.on('exit', (code) => reject(new Error(`the mock Kafka cluster did not start (exit ${code}): ${err.trim()}`)));
  });
}

// The tests' Kafka broker: librdkafka's mock cluster (kafka_mock.py), which speaks the real
// Kafka protocol on loopback. No Apache Kafka runs here; .ci/run installs librdkafka1.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

export interface MockKafka {
  /** Bootstrap servers, "127.0.0.1:port,…". */
  brokers: string;
  /** Broker `id` (1…brokerCount) drops its connections and refuses new ones; resolves once it has. */
  brokerDown(id: number): Promise<void>;
  /** Broker `id` takes connections again; resolves once it does. */
  brokerUp(id: number): Promise<void>;
  stop(): void;
}

/** Start a mock cluster with `topics` (name → partitions). */
export function startMockKafka(topics: Record<string, number>, brokerCount = 1): Promise<MockKafka> {
  const script = fileURLToPath(new URL('./kafka_mock.py', import.meta.url));
  const child = spawn('python3', [script, String(brokerCount), ...Object.entries(topics).map(([t, p]) => `${t}:${p}`)], { stdio: ['pipe', 'pipe', 'pipe'] });
  // the first line is the bootstrap servers, each later one answers a command, in order
  const waiting: { resolve(): void; reject(e: Error): void }[] = [];
  let started: ((brokers: string) => void) | null = null;
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdout.on('data', (d) => {
    out += d;
    let newline;
    while ((newline = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, newline).trim();
      out = out.slice(newline + 1);
      if (started) {
        started(line);
        started = null;
      } else {
        const command = waiting.shift();
        if (line === 'ok') command?.resolve();
        else command?.reject(new Error(`the mock Kafka cluster: ${line}`));
      }
    }
  });
  const command = (line: string) =>
    new Promise<void>((resolve, reject) => {
      if (child.exitCode !== null || !child.stdin.writable) return reject(new Error('the mock Kafka cluster has stopped'));
      waiting.push({ resolve, reject });
      child.stdin.write(`${line}\n`);
    });
  return new Promise((resolve, reject) => {
    started = (brokers) =>
      resolve({
        brokers,
        brokerDown: (id) => command(`down ${id}`),
        brokerUp: (id) => command(`up ${id}`),
        stop: () => child.stdin.end(),
      });
    child.on('exit', (code) => {
      const e = new Error(`the mock Kafka cluster ended (exit ${code}): ${err.trim()}`);
      for (const w of waiting.splice(0)) w.reject(e);
      reject(e);
    });
  });
}

export interface TestMessage {
  partition: number;
  key: string | null;
  /** Sent as JSON; null sends a tombstone. */
  value: unknown;
}

/**
 * Send `messages` to `topic` in one request per call (a record batch per partition), keyed JSON
 * to the given partitions, and wait for the broker's acknowledgement.
 */
export async function produce(brokers: string, topic: string, messages: TestMessage[]): Promise<void> {
  const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: messages.map((m) => ({
        partition: m.partition,
        key: m.key,
        value: m.value === null ? null : JSON.stringify(m.value),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

// The Kafka-protocol broker the source tests run against (test/support/kafka.ts): librdkafka's
// mock cluster on loopback, reached by kafkajs over a real TCP socket. Keyed messages land in
// their partitions, and a consumer group reads every one back.

import { describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startMockKafka } from './support/kafka.js';

describe('the mock Kafka cluster', () => {
  it('takes produced messages on three partitions and gives every one back to a consumer', async () => {
    const mock = await startMockKafka({ orders: 3 });
    const kafka = new Kafka({ brokers: mock.brokers.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 30}`, value: JSON.stringify({ id: i }) }));
    await producer.send({ topic: 'orders', messages: sent });
    const consumer = kafka.consumer({ groupId: 'harness', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const got: { partition: number; key: string; id: number }[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push({ partition, key: message.key!.toString(), id: JSON.parse(message.value!.toString()).id });
          if (got.length === sent.length) resolve();
        },
      });
    });
    await consumer.disconnect();
    await producer.disconnect();
    mock.stop();
    expect(got.map((g) => g.id).sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));
    // one key, one partition; the keys spread over all three
    const partitionOf = new Map<string, number>();
    for (const g of got) {
      expect(partitionOf.get(g.key) ?? g.partition).toBe(g.partition);
      partitionOf.set(g.key, g.partition);
    }
    expect(new Set(partitionOf.values()).size).toBe(3);
  }, 60_000);
});

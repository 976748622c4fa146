/**
 * Strata embedded: `Broker.open({ dataDir })` runs the whole log in this process (no server, no
 * JVM) and hands out the in-process clients. The same BrokerCore (`broker.core`) is what
 * `strata serve` exposes over the Kafka wire protocol.
 */

import { BrokerCore, type BrokerCoreOptions } from '../broker/broker-core.js';
import { Admin } from './admin.js';
import { Consumer, type ConsumerOptions } from './consumer.js';
import { Producer, type ProducerOptions } from './producer.js';

export type BrokerOptions = BrokerCoreOptions;

export class Broker {
  readonly admin: Admin;
  private readonly producers = new Set<Producer>();
  private readonly consumers = new Set<Consumer>();

  private constructor(readonly core: BrokerCore) {
    this.admin = new Admin(core);
  }

  /** Opens (creating or recovering) the data directory and starts the broker's background jobs. */
  static async open(options: BrokerOptions): Promise<Broker> {
    return new Broker(await BrokerCore.open(options));
  }

  producer(options: ProducerOptions = {}): Producer {
    const producer = new Producer(this.core, options);
    this.producers.add(producer);
    return producer;
  }

  consumer(options: ConsumerOptions = {}): Consumer {
    const consumer = new Consumer(this.core, options);
    this.consumers.add(consumer);
    return consumer;
  }

  /** Closes consumers (committing), flushes producers, then closes storage cleanly. */
  async close(): Promise<void> {
    for (const consumer of this.consumers) await consumer.close();
    for (const producer of this.producers) await producer.close();
    await this.core.close();
  }
}

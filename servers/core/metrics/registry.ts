// The process's one Prometheus registry. Module-level on purpose: the counters are fed from deep
// inside strategies, stores and the pool, which should not have a registry threaded through every
// constructor. One server per process (run-server.ts) makes that safe.
//
// Hot-path counts are plain numbers, handed to the registry only when scraped (scrapedMetric):
// prom-client's Counter.inc / Histogram.observe validate and hash the label set on every call, even
// on a child, ~0.5-1 µs each in a profile (docs/profiling.md), against a < 3 µs budget per request.
import { Gauge, Registry } from 'prom-client';
import eventLoopLag from 'prom-client/lib/metrics/eventLoopLag';
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed';
import heapSpacesSizeAndUsed from 'prom-client/lib/metrics/heapSpacesSizeAndUsed';
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap';
import processCpuTotal from 'prom-client/lib/metrics/processCpuTotal';
import processHandles from 'prom-client/lib/metrics/processHandles';
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors';
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors';
import processRequests from 'prom-client/lib/metrics/processRequests';
import processResources from 'prom-client/lib/metrics/processResources';
import processStartTime from 'prom-client/lib/metrics/processStartTime';
import version from 'prom-client/lib/metrics/version';

export const registry = new Registry();

let defaultsOn = false;

/**
 * Process metrics operators expect from any Node service (CPU seconds, resident memory, heap, event
 * loop lag, handles, version): prom-client's default metrics, each registered by its own module, all
 * but `nodejs_gc_duration_seconds`. Its PerformanceObserver runs JavaScript after every garbage
 * collection, and under load (a scavenge every few dozen requests) it cost ~3 µs per request: the
 * jwt server on GET /products, twins interleaved on 2026-12-01, 43.4 µs of CPU per request with
 * collectDefaultMetrics, 40.5 with the same minus that observer, 40.8 with metrics off. GC pauses
 * still show in `nodejs_eventloop_lag_seconds`. Called by the metrics server, not at import, so a
 * process that turned metrics off pays nothing for them.
 */
export function collectProcessMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  const config = { eventLoopMonitoringPrecision: 10 };
  for (const metric of [
    processCpuTotal,
    processStartTime,
    osMemoryHeap,
    processOpenFileDescriptors,
    processMaxFileDescriptors,
    eventLoopLag,
    processResources,
    processHandles,
    processRequests,
    heapSizeAndUsed,
    heapSpacesSizeAndUsed,
    version,
  ]) {
    metric(registry, config);
  }
}

/**
 * A gauge whose value is read from its owner's state when scraped: nothing is done per request.
 * Registering a name again replaces the old one (a test or a restart of the owner re-registers).
 */
export function scrapedGauge(name: string, help: string, read: () => number): void {
  registry.removeSingleMetric(name);
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** One sample as prom-client's registry formats it. */
export interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric whose samples are computed when scraped, from counts its owner keeps as plain numbers. */
export function scrapedMetric(name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]): void {
  const metric = { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: values() }) };
  registry.removeSingleMetric(name);
  registry.registerMetric(metric as unknown as Parameters<typeof registry.registerMetric>[0]);
}

/** A histogram series kept as plain numbers: one bucket search per observation, no hashing. */
export class Buckets {
  count = 0;
  sum = 0;
  /** Non-cumulative: counts[i] holds observations in (bounds[i-1], bounds[i]]; the last slot is +Inf. */
  private readonly counts: number[];

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array(bounds.length + 1).fill(0);
  }

  observe(x: number): void {
    this.count++;
    this.sum += x;
    let i = 0;
    while (i < this.bounds.length && x > this.bounds[i]) i++;
    this.counts[i]++;
  }

  /** The _bucket (cumulative), _sum and _count samples of this series. */
  samples(name: string, labels: Record<string, string>): MetricValue[] {
    let cumulative = 0;
    const out: MetricValue[] = this.bounds.map((le, i) => {
      cumulative += this.counts[i];
      return { labels: { ...labels, le }, value: cumulative, metricName: `${name}_bucket` };
    });
    out.push(
      { labels: { ...labels, le: '+Inf' }, value: this.count, metricName: `${name}_bucket` },
      { labels, value: this.sum, metricName: `${name}_sum` },
      { labels, value: this.count, metricName: `${name}_count` },
    );
    return out;
  }
}

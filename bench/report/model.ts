// The report model: one structure built from the raw results only, rendered as Markdown, JSON and
// HTML by separate modules. Text uses a tiny Markdown subset (`code`, **bold**) that both renderers
// understand.
import type { RunResults } from '../results';
import { allMetrics, type CellMetrics } from './metrics';
import { aboutSection } from './section-about';
import { appendixSections } from './section-appendix';
import { claimsSection } from './section-claims';
import { floorSection } from './section-floor';
import { findingsSection } from './section-findings';
import { headlineSection } from './section-headline';
import { lessonSection } from './section-lesson';
import { outageSection } from './section-outage';
import { pgbouncerSection } from './section-pgbouncer';
import { revocationSection } from './section-revocation';
import { scalingSection } from './section-scaling';
import { loginSection, trapSection, workloadsSection } from './section-workloads';

export interface Column {
  label: string;
  align?: 'left' | 'right';
}

export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; id?: string; caption?: string; columns: Column[]; rows: string[][] }
  | { kind: 'chart'; id: string; title: string; alt: string; spec: Record<string, unknown> }
  | { kind: 'code'; summary: string; language: string; text: string };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface ReportModel {
  schema: 'sessions-vs-tokens/bench-report@1';
  title: string;
  subtitle: string;
  valid: boolean;
  sections: Section[];
}

export interface ModelContext {
  results: RunResults;
  metrics: Map<string, CellMetrics>;
  /** Variants in registry order. */
  variantNames: string[];
  find(scenario: 'workloads' | 'scaling', workload: string, variant: string, instances?: number): CellMetrics | undefined;
}

export function modelContext(results: RunResults): ModelContext {
  const metrics = allMetrics(results);
  return {
    results,
    metrics,
    variantNames: results.variants.map((v) => v.name),
    find(scenario, workload, variant, instances) {
      return [...metrics.values()].find(
        (m) =>
          m.cell.scenario === scenario &&
          m.cell.workload === workload &&
          m.cell.variant === variant &&
          (instances === undefined || m.cell.instances === instances),
      );
    },
  };
}

export function buildModel(results: RunResults): ReportModel {
  const ctx = modelContext(results);
  const env = results.environment;
  // The answer first, then what it answers (the lesson), then how it was measured.
  const sections = [
    findingsSection(ctx),
    lessonSection(ctx),
    aboutSection(ctx),
    headlineSection(ctx),
    workloadsSection(ctx),
    loginSection(ctx),
    trapSection(ctx),
    floorSection(ctx),
    scalingSection(ctx),
    pgbouncerSection(ctx),
    revocationSection(ctx),
    outageSection(ctx),
    claimsSection(ctx),
    ...appendixSections(ctx),
  ].filter((s): s is Section => s !== null && s.blocks.length > 0);
  return {
    schema: 'sessions-vs-tokens/bench-report@1',
    title: 'Sessions vs JWT: benchmark report',
    subtitle: `${results.startedAt.slice(0, 16).replace('T', ' ')} UTC · profile ${results.profile.name} · ${env.machine.cores} × ${env.machine.cpuModel} · Node ${env.node} · PostgreSQL ${env.postgres.version.split(' ')[1] ?? env.postgres.version}`,
    valid: results.valid,
    sections,
  };
}

/** The headline table block (README and stdout use it). */
export function headlineTable(model: ReportModel): Extract<Block, { kind: 'table' }> | undefined {
  for (const s of model.sections) {
    for (const b of s.blocks) if (b.kind === 'table' && b.id === 'headline') return b;
  }
  return undefined;
}

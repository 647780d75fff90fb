// Validity, configuration and the per-round figures: everything a reader needs to check a number.
import { int, num } from './format';
import type { Block, ModelContext, Section } from './model';
import { revocationRounds } from './section-revocation';

export function appendixSections(ctx: ModelContext): Section[] {
  const r = ctx.results;
  const invalid = r.cells.filter((c) => !c.valid);
  const revocation = r.revocation?.cells ?? [];
  const invalidRevocation = revocation.filter((c) => !c.valid);
  const total = r.cells.length + revocation.length;
  const validity: Block[] = [
    {
      kind: 'paragraph',
      text:
        invalid.length + invalidRevocation.length === 0
          ? `All ${total} cells are valid: every response had an expected status (or, in scaling, the measured-outcome status), no connection failed${revocation.length ? ', and every revocation repetition got the statuses it expected (a memory-answering variant answered from memory before t0)' : ''}.`
          : `**${invalid.length + invalidRevocation.length} of ${total} cells are invalid.** A run with unexpected statuses or errors is not fast, it is broken; its figures are shown only for diagnosis.`,
    },
  ];
  if (invalid.length > 0) {
    validity.push({
      kind: 'table',
      columns: [{ label: 'cell' }, { label: 'problems' }, { label: 'first request replayed' }],
      rows: invalid.map((c) => [
        `\`${c.id}\``,
        c.problems.join('; '),
        c.diagnostics.map((d) => `${d.request} -> ${d.status}: \`${d.body.replace(/`/g, "'").slice(0, 160)}\``).join('; '),
      ]),
    });
  }
  if (invalidRevocation.length > 0) {
    validity.push({
      kind: 'table',
      columns: [{ label: 'cell' }, { label: 'problems' }],
      rows: invalidRevocation.map((c) => [`\`${c.id}\``, c.problems.join('; ')]),
    });
  }
  if (r.notes.length > 0) validity.push({ kind: 'list', items: r.notes });

  const dbRows = r.cells.flatMap((c) => {
    if (!c.db || c.db.requests === 0) return [];
    const n = c.db.requests;
    return Object.entries(c.db.tables).map(([table, t]) => [
      `\`${c.id}\``,
      table,
      num((t.idxScan + t.seqScan) / n),
      num((t.idxTupFetch + t.seqTupRead) / n),
      num(t.inserted / n),
      num(t.updated / n),
      num(t.deleted / n),
    ]);
  });

  const rounds = r.cells.flatMap((c) =>
    [c.warmup, ...c.rounds]
      .filter((x) => x !== null)
      .map((x) => [
        `\`${c.id}\``,
        x.round === 0 ? 'warm-up' : String(x.round),
        num(x.seconds, 3),
        int(x.responses),
        Object.entries(x.statuses)
          .map(([s, k]) => `${s}: ${k}`)
          .join(', ') + (x.errors ? `, errors: ${x.errors}` : ''),
        int(x.ok / x.seconds),
        `${int(x.latencyUs.p50)} / ${int(x.latencyUs.p99)}`,
        [x.cpu.serverSeconds, x.cpu.postgresSeconds, x.cpu.loadgenSeconds, x.cpu.machineBusySeconds].map((v) => (v === null ? '–' : num(v, 3))).join(' / '),
        x.perInstance.join(' / '),
      ]),
  );

  const config: Block[] = [
    {
      kind: 'table',
      caption: 'Variants',
      columns: [{ label: 'variant' }, { label: 'server' }, { label: 'what it is' }, { label: 'environment' }],
      rows: r.variants.map((v) => [
        v.name,
        v.strategy,
        v.description,
        Object.entries(v.env)
          .map(([k, val]) => `${k}=${val}`)
          .join(' '),
      ]),
    },
    ...r.variants.map(
      (v): Block => ({ kind: 'code', summary: `Resolved server configuration: ${v.name}`, language: 'json', text: JSON.stringify(v.serverConfig, null, 2) }),
    ),
    { kind: 'code', summary: 'Profile', language: 'json', text: JSON.stringify(r.profile, null, 2) },
    {
      kind: 'code',
      summary: 'Lines of auth code per file',
      language: 'text',
      text: [
        `${r.complexity.seam.path}: ${r.complexity.seam.lines}`,
        ...r.complexity.strategies.flatMap((s) => [
          ...s.files.map((f) => `${f.path}: ${f.lines}`),
          ...s.benchOnly.map((f) => `${f.path}: ${f.lines} (bench-only, not counted)`),
        ]),
      ].join('\n'),
    },
  ];

  return [
    { id: 'validity', title: 'Validity and notes', blocks: validity },
    {
      id: 'database',
      title: 'Database work per request, by table',
      blocks: dbRows.length
        ? [
            {
              kind: 'table',
              columns: [
                { label: 'cell' },
                { label: 'table' },
                { label: 'reads', align: 'right' },
                { label: 'rows read', align: 'right' },
                { label: 'inserted', align: 'right' },
                { label: 'updated', align: 'right' },
                { label: 'deleted', align: 'right' },
              ],
              rows: dbRows,
            },
          ]
        : [],
    },
    { id: 'configuration', title: 'Configuration', blocks: config },
    {
      id: 'rounds',
      title: 'Every run',
      blocks: [
        {
          kind: 'table',
          caption: 'CPU seconds: servers / Postgres / load generator / whole machine (all cores); responses per instance',
          columns: [
            { label: 'cell' },
            { label: 'round' },
            { label: 's', align: 'right' },
            { label: 'responses', align: 'right' },
            { label: 'statuses' },
            { label: 'correct/s', align: 'right' },
            { label: 'p50 / p99 µs', align: 'right' },
            { label: 'CPU s', align: 'right' },
            { label: 'per instance', align: 'right' },
          ],
          rows: rounds,
        },
        ...(revocationRounds(ctx) ? [revocationRounds(ctx) as Block] : []),
      ],
    },
  ];
}

/**
 * One-off: move a deployed table's leads onto the sharded list indexes (see shared/store/reindex.ts).
 * Run once after deploying a version that adds a list index (the sharded ones, `byOwner`, `byCompany`), against
 * AWS or the local table:
 *
 *   TABLE_NAME=leadloop-prod-table AWS_REGION=ap-northeast-1 npx tsx scripts/reindex-leads.ts [--segments 4]
 *   npx tsx scripts/reindex-leads.ts          # the local table of `npm start`
 *
 * Until it has run, lists, the call list and the lead view's timeline miss leads and entries written before
 * the upgrade (anything written since is already indexed). Idempotent and safe to interrupt and re-run.
 */
import { parseArgs } from 'node:util';
import { useLocalTable } from '#local/runtime-file';

export async function reindexAll(
  totalSegments = 4,
  onPage: (p: { states: number; profiles: number; timeline: number }) => void = () => {},
): Promise<{ states: number; profiles: number; timeline: number; skipped: number }> {
  const { reindexPage } = await import('#store/reindex');
  const totals = { states: 0, profiles: 0, timeline: 0, skipped: 0 };
  await Promise.all(
    Array.from({ length: totalSegments }, async (_, segment) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await reindexPage({
          segment,
          totalSegments,
          limit: 200,
          ...(startKey ? { startKey } : {}),
        });
        totals.states += page.states;
        totals.profiles += page.profiles;
        totals.timeline += page.timeline;
        totals.skipped += page.skipped;
        onPage(totals);
        startKey = page.next;
      } while (startKey);
    }),
  );
  return totals;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { segments: { type: 'string', default: '4' } } });
  const segments = Number(values.segments);
  if (!Number.isInteger(segments) || segments < 1 || segments > 64) throw new Error('--segments: 1 to 64');
  useLocalTable();
  // Required by the shared environment schema, unused by the re-index (it only reads and rewrites items).
  process.env.EVENT_BUS_NAME ??= 'unused-by-reindex';
  process.env.SES_CONFIGURATION_SET ??= 'unused-by-reindex';
  process.env.PUBLIC_BASE_URL ??= 'http://localhost:3000';
  process.env.LOG_LEVEL ??= 'warn';
  const totals = await reindexAll(segments, (t) =>
    process.stderr.write(`\rstate items ${t.states}, profiles ${t.profiles}, timeline entries ${t.timeline}`),
  );
  process.stderr.write('\n');
  console.info(JSON.stringify(totals));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoringConfig } from '#config/scoring';
import type { LeadState } from '#domain/lead/lead';
import type { Runtime } from '#local/runtime';
import type { StoredTimelineEntry } from '#store/leads';
import { api, startTestRuntime, uniqueEmail } from '../support/runtime.ts';

/**
 * `npm run rescore` on DynamoDB Local: leads are scored live under the deployed config, then the core
 * (`rescoreAll`) runs under a changed config on this file's table, as an operator would after a deploy.
 */
let runtime: Runtime;
let rescoreAll: typeof import('../../scripts/rescore.ts').rescoreAll;
let deployed: ScoringConfig;
let getLeadState: (leadId: string) => Promise<LeadState | undefined>;
let getTimeline: (leadId: string) => Promise<StoredTimelineEntry[]>;
const workDir = mkdtempSync(join(tmpdir(), 'rescore-'));
const leads: { leadId: string; identity: string }[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime();
  ({ rescoreAll } = await import('../../scripts/rescore.ts'));
  ({ getLeadState, getTimeline } = await import('#store/leads'));
  deployed = (await import('#config/settings')).settings.scoring;
  // Five inquiry leads (fit 23 + 50 = 73, warm); the first also viewed pricing (78).
  for (let i = 0; i < 5; i++) leads.push(await inquiryLead(`rescore-${i}`));
  const first = leads[0];
  if (!first) throw new Error('no lead');
  const response = await fetch(`${runtime.apiUrl}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({
      events: [
        {
          eventId: randomUUID(),
          type: 'page_view',
          identity: first.identity,
          url: 'https://www.example.co.jp/ja/pricing',
          title: '料金プラン',
        },
      ],
    }),
  });
  expect(await response.json()).toEqual({ accepted: 1, rejected: [] });
  await runtime.settle();
});
afterAll(async () => {
  await runtime.stop();
});

const inquiryLead = async (label: string) => {
  const email = uniqueEmail(label);
  const response = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      email,
      lastName: '高橋',
      firstName: '美咲',
      company: '株式会社サンプル製作所',
      title: '営業企画部 部長',
      employees: '1000-4999',
      consent: true,
    }),
  });
  const { identity } = (await response.json()) as { identity: string };
  const lookup = await fetch(`${runtime.apiUrl}/v1/ops/leads?email=${encodeURIComponent(email)}`, {
    headers: { authorization: `Bearer ${runtime.opsToken}` },
  });
  const { leadId } = (await lookup.json()) as { leadId: string };
  return { leadId, identity };
};

/** The deployed config with one behaviour rule's points changed. */
const withRulePoints = (ruleId: string, points: number): ScoringConfig => {
  const config = structuredClone(deployed);
  const rule = config.behaviour.rules.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  rule.points = points;
  return config;
};

/** The deployed config with a company address worth `points` of fit. */
const withCompanyDomainPoints = (points: number): ScoringConfig => {
  const config = structuredClone(deployed);
  const rule = config.fit.rules.find((r) => r.id === 'email-domain');
  if (rule?.kind !== 'emailDomain') throw new Error('no email-domain rule');
  rule.otherwise = points;
  return config;
};

const temperatureEvents = (leadId: string) =>
  runtime
    .events()
    .filter((e) => e['detail-type'] === 'Lead Temperature Changed')
    .map((e) => e.detail as { leadId: string; from: string | null; to: string })
    .filter((d) => d.leadId === leadId);

describe('npm run rescore (rescoreAll)', () => {
  it('given leads scored live under the deployed config, when rescored with the same config, then nothing is written', async () => {
    // Arrange
    const before = await Promise.all(leads.map((l) => getLeadState(l.leadId)));

    // Act
    const summary = await rescoreAll({ config: deployed, totalSegments: 2 });
    const after = await Promise.all(leads.map((l) => getLeadState(l.leadId)));

    // Assert: live scoring and replaying the timeline agree.
    expect(summary).toMatchObject({ leads: 5, changed: 0, unchanged: 5, failed: [], interrupted: false });
    expect(after.map((s) => s?.version)).toEqual(before.map((s) => s?.version));
  });

  it('given the pricing rule is raised from 5 to 10 points, when rescored, then that lead turns hot with exactly one event, its timeline explains the new points, and a second run changes nothing', async () => {
    // Arrange
    const config = withRulePoints('product-pages', 10);
    const pricingLead = leads[0]?.leadId ?? '';

    // Act
    const first = await rescoreAll({ config, totalSegments: 3 });
    await runtime.settle();
    const second = await rescoreAll({ config, totalSegments: 3 });
    await runtime.settle();
    const state = await getLeadState(pricingLead);
    const timeline = await getTimeline(pricingLead);

    // Assert
    expect(first).toMatchObject({ leads: 5, changed: 1, unchanged: 4 });
    expect(second).toMatchObject({ leads: 5, changed: 0, unchanged: 5 });
    expect(state?.score.total).toBe(83);
    expect(state?.temperature).toBe('hot');
    expect(temperatureEvents(pricingLead).filter((d) => d.to === 'hot')).toEqual([
      expect.objectContaining({ from: 'warm', to: 'hot' }),
    ]);
    expect(timeline.find((e) => e.type === 'page_view')).toMatchObject({ points: 10, rule: 'product-pages' });
    expect(timeline.find((e) => e.type === 'form_submitted')).toMatchObject({
      points: 50,
      rule: 'contact-form',
    });
  });

  it('given a run interrupted after its first page, when run again, then it resumes from the checkpoint and every lead gets the new fit', async () => {
    // Arrange: every lead's fit changes (a company address now earns 7 instead of 5).
    const config = withCompanyDomainPoints(7);
    const checkpointFile = join(workDir, 'interrupted.json');
    const controller = new AbortController();
    let pages = 0;

    // Act
    const interrupted = await rescoreAll({
      config,
      checkpointFile,
      totalSegments: 1,
      pageSize: 3,
      signal: controller.signal,
      onProgress: () => {
        if (++pages === 2) controller.abort(); // the first report is before any page
      },
    });
    const checkpointKept = existsSync(checkpointFile);
    const resumed = await rescoreAll({ config, checkpointFile, totalSegments: 1, pageSize: 3 });
    const states = await Promise.all(leads.map((l) => getLeadState(l.leadId)));

    // Assert
    expect(interrupted.interrupted).toBe(true);
    expect(interrupted.leads).toBeLessThan(5);
    expect(checkpointKept).toBe(true);
    expect(resumed).toMatchObject({ resumed: true, interrupted: false, leads: 5, changed: 5, failed: [] });
    expect(states.map((s) => s?.fit)).toEqual([25, 25, 25, 25, 25]);
    expect(existsSync(checkpointFile)).toBe(false); // a finished run leaves no checkpoint
  });

  it('given a checkpoint, when run with restart, then it starts over', async () => {
    // Arrange: leave a checkpoint behind.
    const config = withCompanyDomainPoints(6);
    const checkpointFile = join(workDir, 'restart.json');
    const controller = new AbortController();
    controller.abort();
    await rescoreAll({ config, checkpointFile, totalSegments: 1, signal: controller.signal });

    // Act
    const restarted = await rescoreAll({ config, checkpointFile, restart: true, totalSegments: 1 });

    // Assert
    expect(restarted).toMatchObject({ resumed: false, interrupted: false, leads: 5, changed: 5 });
  });
});

describe('npm run rescore (command line)', () => {
  const run = promisify(execFile);
  const root = resolve(import.meta.dirname, '../..');
  const tsx = join(root, 'node_modules/.bin/tsx');

  it('given --help, when run, then it explains the local default table and TABLE_NAME', async () => {
    const { stdout } = await run(tsx, ['scripts/rescore.ts', '--help'], { cwd: root });
    expect(stdout).toContain('leadloop-local');
    expect(stdout).toContain('TABLE_NAME');
    expect(stdout).toContain('--restart');
  });

  it('given TABLE_NAME and no terminal, when run, then it rescores that table with progress lines and a summary', async () => {
    // Act: the deployed config again, after the previous tests changed every lead's fit.
    const { stdout } = await run(
      tsx,
      ['scripts/rescore.ts', '--checkpoint', join(workDir, 'cli.json'), '--segments', '2'],
      {
        cwd: root,
        env: {
          ...process.env,
          TABLE_NAME: runtime.tableName,
          AWS_ENDPOINT_URL_DYNAMODB: runtime.dynamodbEndpoint,
        },
      },
    );
    const states = await Promise.all(leads.map((l) => getLeadState(l.leadId)));

    // Assert
    expect(stdout).toContain(`rescoring table ${runtime.tableName}`);
    expect(stdout).toMatch(/\[#+\] 100%/);
    expect(stdout).toContain('5 leads, 5 changed, 0 unchanged');
    expect(states.map((s) => s?.fit)).toEqual([23, 23, 23, 23, 23]);
  });
});

describe('npm run rescore (repeated form posts)', () => {
  it('given a whitepaper form posted twice on one day (the second earns no points: scoreOncePer day), when rescored with the same config, then the score stays as live scoring left it', async () => {
    // Arrange: fit 21 (部長 8 + 300-999 employees 8 + company address 5) + whitepaper 10 = 31; the repeat
    // is on the timeline with 0 points (notScored: once_per_day).
    const { rescoreLead } = await import('../../scripts/rescore.ts');
    const { now } = await import('#adapters/clock');
    const email = uniqueEmail('rescore-repeat');
    const post = () =>
      api(runtime).postForm('whitepaper', {
        email,
        lastName: '山田',
        firstName: '太郎',
        company: '株式会社サンプル',
        title: '情報システム部 部長',
        employees: '300-999',
        consent: true,
      });
    expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(201);
    const lookup = await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`);
    const { leadId } = (await lookup.json()) as { leadId: string };
    const before = await getLeadState(leadId);
    expect(before?.score.total).toBe(31);
    const posts = (await getTimeline(leadId)).filter((e) => e.type === 'form_submitted');
    expect(posts.map((e) => e.points).sort((a, b) => a - b)).toEqual([0, 10]);

    // Act
    const result = await rescoreLead(leadId, { config: deployed, now: now() });
    const after = await getLeadState(leadId);

    // Assert: the repeat is not scored a second time by the rescore.
    expect(result).toBe('unchanged');
    expect(after?.score.total).toBe(31);
    expect(after?.version).toBe(before?.version);
  });
});

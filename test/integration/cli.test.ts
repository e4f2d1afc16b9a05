/**
 * The `leadloop` command as a user runs it (the bin shim through tsx, a child process) against a runtime
 * started here: `--json` output parsed, exit codes checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime';
import { runLeadloop, startTestRuntime, uniqueEmail } from '../support/runtime.ts';
import { api, contactForm } from './handoff-support.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.stop();
});

const leadloop = (...args: string[]) => runLeadloop(runtime, ...args);

describe('leadloop CLI', () => {
  it('given a captured lead, when shown, exported and erased by e-mail with --json, then each prints JSON and exits 0; afterwards the lead is not found (3)', async () => {
    // Arrange
    const email = uniqueEmail('cli');
    expect((await api(runtime).postForm('contact', contactForm(email))).status).toBe(201);
    await runtime.settle();

    // Act
    const shown = await leadloop('--json', 'leads', 'show', email);
    const exported = await leadloop('export', email);
    const erased = await leadloop('--json', 'erase', email, '--reason', 'request by the person');
    const again = await leadloop('--json', 'leads', 'show', email);

    // Assert
    expect(shown.code).toBe(0);
    const lead = JSON.parse(shown.stdout) as { leadId: string; email: string };
    expect(lead.email).toBe(email);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ leadId: lead.leadId, items: { profile: { email } } });
    expect(erased.code).toBe(0);
    expect(JSON.parse(erased.stdout)).toMatchObject({ leadId: lead.leadId, erased: true });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('HTTP 404');
  });

  it('given a lead of 株式会社カイシャケンサク…, when `leads list --company` is run with half-width kana and the legal form, or `--phone` with the number in international form, then it lists that lead, with its company and number in the table', async () => {
    // Arrange
    const run = Math.random().toString(36).slice(2, 8);
    const email = uniqueEmail('cli-company');
    const company = `株式会社カイシャケンサク${run}`;
    const digits = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
    const phone = `06-${digits.slice(0, 4)}-${digits.slice(4)}`;
    expect((await api(runtime).postForm('contact', contactForm(email, { company, phone }))).status).toBe(201);
    await runtime.settle();

    // Act
    const json = await leadloop('--json', 'leads', 'list', '--company', `(株)ｶｲｼｬｹﾝｻｸ${run}`);
    const table = await leadloop('leads', 'list', '--company', `カイシャケンサク${run}`);
    const byPhone = await leadloop('--json', 'leads', 'list', '--phone', `+81 6 ${digits}`);

    // Assert
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { items: { email: string }[] }).items.map((i) => i.email)).toEqual([
      email,
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(company);
    expect(table.stdout).toContain(phone);
    expect(byPhone.code).toBe(0);
    expect((JSON.parse(byPhone.stdout) as { items: { email: string }[] }).items.map((i) => i.email)).toEqual([
      email,
    ]);
  });

  it('given a lead whose title a second post proposed, when `leads edit` applies it and sets the phone and department, then the table names what changed; clearing with "" works; a bad phone is the API’s 400 (exit 1) and changes nothing', async () => {
    // Arrange
    const email = uniqueEmail('cli-edit');
    const { postForm } = api(runtime);
    expect((await postForm('contact', contactForm(email, { title: '課長' }))).status).toBe(201);
    expect((await postForm('contact', contactForm(email, { title: '部長' }))).status).toBe(201);
    await runtime.settle();

    // Act
    const edited = await leadloop(
      'leads',
      'edit',
      email,
      '--apply',
      'title',
      '--phone',
      '052-111-2222',
      '--department',
      '営業部',
      '--note',
      '電話で確認',
    );
    const cleared = await leadloop('--json', 'leads', 'edit', email, '--department', '');
    const bad = await leadloop('leads', 'edit', email, '--phone', 'call me');
    const shown = await leadloop('--json', 'leads', 'show', email);

    // Assert
    expect(edited.code).toBe(0);
    expect(edited.stdout).toMatch(/changed\s+department, title, phone/);
    expect(edited.stdout).toMatch(/proposals\s+title applied/);
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ changed: ['department'] });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('HTTP 400');
    expect(bad.stderr).toContain('attributes.phone');
    const lead = JSON.parse(shown.stdout) as {
      attributes: Record<string, string>;
      proposedAttributes: unknown;
    };
    expect(lead.attributes).toMatchObject({ title: '部長', phone: '052-111-2222' });
    expect(lead.attributes).not.toHaveProperty('department');
    expect(lead.proposedAttributes).toBeNull();
  });

  it('given a lead who asked by phone to stop the mails, when `leads unsubscribe` records it by e-mail, then the lead is out with the note in its consent ledger; run again, it says so and exits 0; without --note, exit 2', async () => {
    // Arrange
    const email = uniqueEmail('cli-opt-out');
    expect((await api(runtime).postForm('contact', contactForm(email))).status).toBe(201);
    await runtime.settle();

    // Act
    const first = await leadloop(
      '--json',
      'leads',
      'unsubscribe',
      email,
      '--note',
      '電話で本人より依頼',
      '--by',
      'sato',
    );
    const again = await leadloop('--json', 'leads', 'unsubscribe', email, '--note', 'もう一度');
    const noNote = await leadloop('leads', 'unsubscribe', email);
    const shown = await leadloop('--json', 'leads', 'show', email);

    // Assert
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ unsubscribed: true });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadyUnsubscribed: true });
    expect(noNote.code).toBe(2);
    const lead = JSON.parse(shown.stdout) as { marketing: { allowed: boolean }; consentHistory: object[] };
    expect(lead.marketing.allowed).toBe(false);
    expect(lead.consentHistory).toContainEqual(
      expect.objectContaining({
        kind: 'withdrawn',
        method: 'ops',
        recordedBy: 'sato',
        note: '電話で本人より依頼',
      }),
    );
  });

  it('given usage mistakes, an unknown lead and a report, then exit codes say so: 2 usage, 3 not found, 0 for --help and success', async () => {
    // Act
    const noReason = await leadloop('erase', 'someone@example.co.jp');
    const unknownCommand = await leadloop('frobnicate');
    const help = await leadloop('report', 'funnel', '--help');
    const missingLead = await leadloop('--json', 'export', 'no-such-lead');
    const table = await leadloop('leads', 'show', 'no-such-lead');
    const report = await leadloop('--json', 'report', 'funnel');

    // Assert
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("required option '--reason <text>'");
    expect(unknownCommand.code).toBe(2);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: leadloop report funnel');
    expect(missingLead.code).toBe(3);
    expect(missingLead.stderr).toContain('No such lead.');
    expect(table.code).toBe(3);
    // The report route answers from counters: JSON for scripts.
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ groupBy: 'none', view: 'period' });
  });
  it('given a demo request, when a person runs `leads show` and `report funnel --group-by channel` without --json, then the tables show the owner, the hand-off, both deadlines and a total row', async () => {
    // Arrange
    const email = uniqueEmail('cli-table');
    expect(
      (await api(runtime).postForm('contact', contactForm(email, { message: 'デモを見たい' }))).status,
    ).toBe(201);
    await runtime.settle();
    const view = (await (
      await api(runtime).opsGet(`/v1/ops/leads?email=${encodeURIComponent(email)}`)
    ).json()) as {
      owner: { ownerId: string };
      handoff: { dueAt: string; firstContactDueAt: string };
    };

    // Act
    const shown = await leadloop('leads', 'show', email);
    const funnel = await leadloop('report', 'funnel', '--group-by', 'channel');

    // Assert
    expect(shown.code).toBe(0);
    const field = (name: string) =>
      shown.stdout
        .split('\n')
        .find((line) => line.startsWith(`${name} `))
        ?.slice(name.length)
        .trim();
    expect(field('owner')).toContain(`(${view.owner.ownerId}, inside-sales)`);
    expect(field('handoff')).toBe('#1 inquiry');
    expect(field('acceptBy')).toBe(view.handoff.dueAt);
    expect(field('firstContactBy')).toBe(view.handoff.firstContactDueAt);
    expect(funnel.code).toBe(0);
    const lines = funnel.stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^group\s+counts\.lead/);
    expect(lines.at(-1)).toMatch(/^total\s+\d+/);
  });
});

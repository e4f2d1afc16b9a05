import { fill, type Key, type T, valueLabel } from './i18n.ts';
import {
  type BehaviourRule,
  type BusinessWindow,
  type Clock,
  type Figures,
  type FitRule,
  formName,
  html,
  type SequenceEntry,
  type SequenceStep,
  type Settings,
  sequenceName,
  subjectOf,
  teamName,
} from './ui.ts';

/**
 * The Settings page's read-only sections (`GET /v1/ops/settings`) as marketing ops and sales managers read
 * them: thresholds and rule tables for scoring, sequences step by step, forms, hand-off teams, rules and SLA
 * clocks, monthly targets and deal phases. Every section keeps a collapsed JSON disclosure with the full
 * detail, so a field this page does not show (or a new one) stays visible.
 */

/*
 * A wide table scrolls sideways in its own `.scroll` region on a phone; the region takes focus (tabindex 0,
 * named by its heading) so a keyboard can scroll it too (axe: scrollable-region-focusable).
 */

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));
const list = (t: T, items: readonly string[]): string => items.join(t('listSep'));

/** A long list (keywords, domains) cut after `max` items; the rest behind a disclosure. */
function Items({ t, items, max = 8 }: { t: T; items: readonly string[]; max?: number }) {
  if (items.length === 0) return html`<span class="muted">${t('noneConfigured')}</span>`;
  if (items.length <= max) return list(t, items);
  return html`${list(t, items.slice(0, max))}
    <details class="more"><summary>${fill(t('moreItems'), { n: items.length - max })}</summary>${list(t, items.slice(max))}</details>`;
}

/** Definition rows: a term and its value, as a two-column grid (one column on a phone). */
const Props = ({ rows }: { rows: [string, unknown][] }) =>
  html`<dl class="props">${rows.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;

// ----- Calendars and durations ----------------------------------------------------------------------------

/** ISO weekdays as the reader says them: a run as 「月〜金」, else each day. */
function weekdays(t: T, days: readonly number[]): string {
  const names = t('weekdays').split(',');
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const name = (d: number) => names[d - 1] ?? String(d);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const run = sorted.every((d, i) => i === 0 || d === (sorted[i - 1] ?? 0) + 1);
  if (first !== undefined && last !== undefined && run && sorted.length > 2)
    return `${name(first)}${t('rangeSep')}${name(last)}`;
  return sorted.map(name).join(t('lang') === 'ja' ? '・' : ', ');
}

/** "MM-DD" dates with consecutive days joined, across the year end too: 12-29 … 01-03 → 12/29〜1/3. */
function closedDates(t: T, dates: readonly string[]): string {
  const dayOfYear = (md: string) => {
    const [m, d] = md.split('-').map(Number);
    return Math.round((Date.UTC(2001, (m ?? 1) - 1, d ?? 1) - Date.UTC(2001, 0, 1)) / 86_400_000);
  };
  const label = (md: string) => {
    const [m, d] = md.split('-').map(Number);
    return `${m}/${d}`;
  };
  const sorted = [...new Set(dates)].sort((a, b) => dayOfYear(a) - dayOfYear(b));
  const runs: string[][] = [];
  for (const md of sorted) {
    const current = runs[runs.length - 1];
    const previous = current?.[current.length - 1];
    if (current && previous !== undefined && dayOfYear(md) === dayOfYear(previous) + 1) current.push(md);
    else runs.push([md]);
  }
  // A run ending on 12-31 continues into one starting on 01-01 (the New Year closure).
  const head = runs[0];
  const tail = runs[runs.length - 1];
  if (runs.length > 1 && head?.[0] === '01-01' && tail?.[tail.length - 1] === '12-31') {
    runs[runs.length - 1] = [...tail, ...head];
    runs.shift();
  }
  return runs
    .map((r) => {
      const a = r[0] ?? '';
      const b = r[r.length - 1] ?? a;
      return r.length === 1 ? label(a) : `${label(a)}${t('rangeSep')}${label(b)}`;
    })
    .join(t('listSep'));
}

/** 「月〜金 09:00〜18:00、祝日休み、休業日 12/29〜1/3」 */
function windowText(t: T, w: BusinessWindow): string {
  const parts = [`${weekdays(t, w.days)} ${w.start}${t('rangeSep')}${w.end}`];
  if (w.skipJapaneseHolidays) parts.push(t('holidaysOff'));
  if (w.closedDates?.length) parts.push(fill(t('closedOn'), { dates: closedDates(t, w.closedDates) }));
  return parts.join(t('listSep'));
}

/** A step's delay from the previous step: 「直後」, 「3日後」, 「5営業日後」, 「2時間後」. */
function delayText(t: T, delay: SequenceStep['delay']): string {
  if (delay.value === 0) return t('delayNow');
  const key: Key =
    delay.unit === 'hours' ? 'delayHours' : delay.unit === 'businessDays' ? 'delayBusinessDays' : 'delayDays';
  return fill(t(key), { n: delay.value });
}

/** An SLA clock: 「4営業時間以内」, 「24時間以内」, or under an hour in minutes: 「営業時間内30分以内」. */
const clockText = (t: T, clock: Clock): string => {
  const minutes = clock.hours * 60;
  if (clock.hours < 1 && Number.isInteger(minutes))
    return fill(t(clock.businessHours ? 'withinBusinessMinutes' : 'withinMinutes'), { n: minutes });
  return fill(t(clock.businessHours ? 'withinBusinessHours' : 'withinHours'), { n: clock.hours });
};

// ----- Scoring --------------------------------------------------------------------------------------------

const CAP_KEYS: Record<string, Key> = { day: 'capDay', week: 'capWeek', month: 'capMonth' };
const OUTCOME_KEYS: Record<string, Key> = {
  appointment_set: 'appointment_set',
  not_interested: 'not_interested',
  callback_requested: 'callback_requested',
  no_answer: 'no_answer',
  wrong_number: 'wrong_number',
  connected: 'connected',
  voicemail: 'voicemail',
};
const ACTIVITY_KEYS: Record<string, Key> = {
  call: 'type_call',
  meeting: 'type_meeting',
  email: 'type_email',
  note: 'type_note',
};
const BANTCH_KEYS: Record<string, Key> = {
  budget: 'budget',
  authority: 'authority',
  needs: 'needs',
  timing: 'timing',
  competitor: 'competitor',
  humanResources: 'humanResources',
};
const keyed = (t: T, keys: Record<string, Key>, value: string): string => {
  const key = keys[value];
  return key ? t(key) : value;
};

/** A behaviour rule's property condition in words: 「フォーム: お問い合わせ」, 「結果: アポイント獲得」. */
function propertyText(t: T, s: Settings, name: string, value: unknown): string {
  const values = (Array.isArray(value) ? value : [value]).map(String);
  if (name === 'formId')
    return `${t('formIdProp')}: ${list(
      t,
      values.map((v) => formName(s, v)),
    )}`;
  if (name === 'outcome')
    return `${t('outcome')}: ${list(
      t,
      values.map((v) => keyed(t, OUTCOME_KEYS, v)),
    )}`;
  if (name === 'activityType')
    return `${t('activityType')}: ${list(
      t,
      values.map((v) => keyed(t, ACTIVITY_KEYS, v)),
    )}`;
  return `${name}: ${list(t, values)}`;
}

const capText = (t: T, rule: BehaviourRule): string => {
  if (rule.once) return t('onceOnly');
  if (!rule.cap) return t('noCap');
  return fill(t(CAP_KEYS[rule.cap.per] ?? 'capDay'), { n: rule.cap.points });
};

function fitAttribute(t: T, rule: FitRule): string {
  if (rule.kind === 'employees') return valueLabel(t, 'attribute', 'employees');
  if (rule.kind === 'emailDomain') return t('emailDomain');
  return valueLabel(t, 'attribute', rule.attribute);
}

function employeesText(t: T, tier: { min?: number; max?: number }): string {
  const n = (x: number) => x.toLocaleString();
  if (tier.min !== undefined && tier.max !== undefined)
    return fill(t('employeesRange'), { min: n(tier.min), max: n(tier.max) });
  if (tier.min !== undefined) return fill(t('employeesMin'), { n: n(tier.min) });
  return fill(t('employeesMax'), { n: n(tier.max ?? 0) });
}

function FitTiers({ t, rule }: { t: T; rule: FitRule }) {
  const tiers: [unknown, number][] =
    rule.kind === 'employees'
      ? rule.tiers.map((tier) => [employeesText(t, tier), tier.points])
      : rule.kind === 'keywords'
        ? rule.tiers.map((tier) => [html`<${Items} t=${t} items=${tier.keywords} />`, tier.points])
        : rule.tiers.map((tier) => [html`<${Items} t=${t} items=${tier.domains} max=${5} />`, tier.points]);
  if (rule.otherwise !== undefined) tiers.push([t('otherwise'), rule.otherwise]);
  return html`<ul class="tiers">${tiers.map(
    ([condition, points]) => html`<li><strong class="pts">${signed(points)}</strong> ${condition}</li>`,
  )}</ul>`;
}

function ScoringSection({ t, s }: { t: T; s: Settings }) {
  const scoring = s.scoring;
  if (!scoring) return '';
  const { temperature, stages, fit, behaviour } = scoring;
  const decay = behaviour.decay;
  const figures: [string, string][] = [
    ...(temperature
      ? ([
          [valueLabel(t, 'temperature', 'warm'), fill(t('pointsOrMore'), { n: temperature.warm })],
          [valueLabel(t, 'temperature', 'hot'), fill(t('pointsOrMore'), { n: temperature.hot })],
        ] as [string, string][])
      : []),
    ...(stages
      ? ([[valueLabel(t, 'stage', 'mql'), fill(t('pointsOrMore'), { n: stages.mql })]] as [string, string][])
      : []),
    ...(fit.min !== undefined && fit.max !== undefined
      ? ([[t('fitRange'), `${fit.min}${t('rangeSep')}${fit.max}`]] as [string, string][])
      : []),
    ...(decay
      ? ([
          [t('decay'), decay.kind === 'half-life' ? fill(t('halfLife'), { n: decay.days }) : t('noDecay')],
        ] as [string, string][])
      : []),
  ];
  return html`<h3>${t('thresholds')}</h3>
    <dl class="figures" data-testid="score-thresholds">${figures.map(([term, value]) => html`<div><dt>${term}</dt><dd>${value}</dd></div>`)}</dl>
    <h3>${t('fitRules')}</h3><p class="muted"><small>${t('fitNote')}</small></p>
    ${
      fit.grades
        ? html`<${Props} rows=${[[t('grades'), (['A', 'B', 'C'] as const).map((g) => `${g} ${fill(t('pointsOrMore'), { n: fit.grades?.[g] ?? 0 })}`).join(t('listSep'))]]} />`
        : ''
    }
    <div class="scroll" tabindex="0" role="region" aria-label=${t('fitRules')}><table class="wide" data-testid="fit-rules"><thead><tr><th scope="col">${t('rule')}</th><th scope="col">${t('attribute')}</th><th scope="col">${t('tiers')}</th></tr></thead><tbody>
      ${fit.rules.map((rule) => html`<tr data-rule=${rule.id}><th scope="row">${rule.label ?? rule.id}</th><td>${fitAttribute(t, rule)}</td><td><${FitTiers} t=${t} rule=${rule} /></td></tr>`)}
    </tbody></table></div>
    <h3>${t('behaviourRules')}</h3><p class="muted"><small>${t('behaviourNote')}</small></p>
    <div class="scroll" tabindex="0" role="region" aria-label=${t('behaviourRules')}><table class="wide" data-testid="behaviour-rules"><thead><tr><th scope="col">${t('rule')}</th><th scope="col">${t('eventType')}</th><th scope="col">${t('condition')}</th><th scope="col" class="num">${t('points')}</th><th scope="col">${t('cap')}</th></tr></thead><tbody>
      ${behaviour.rules.map((rule) => {
        const urls = rule.url === undefined ? [] : Array.isArray(rule.url) ? rule.url : [rule.url];
        const properties = Object.entries(rule.properties ?? {}).map(([name, value]) =>
          propertyText(t, s, name, value),
        );
        return html`<tr data-rule=${rule.id}><th scope="row">${rule.label ?? rule.id}</th><td>${valueLabel(t, 'event', rule.type)}</td>
          <td>${urls.length ? html`<div class="urls"><${Items} t=${t} items=${urls} max=${4} /></div>` : ''}${properties.map((p) => html`<div>${p}</div>`)}${urls.length === 0 && properties.length === 0 ? html`<span class="muted">—</span>` : ''}</td>
          <td class="num" data-points>${signed(rule.points)}</td><td data-cap>${capText(t, rule)}</td></tr>`;
      })}
    </tbody></table></div>`;
}

// ----- Sequences ------------------------------------------------------------------------------------------

function entryText(t: T, s: Settings, entry: SequenceEntry): string {
  switch (entry.kind) {
    case 'form':
      return fill(t('entryForm'), {
        forms: list(
          t,
          entry.formIds.map((id) => formName(s, id)),
        ),
      });
    case 'temperature':
      return fill(t('entryTemperature'), {
        temps: list(
          t,
          entry.temperatures.map((x) => valueLabel(t, 'temperature', x)),
        ),
      });
    case 'recycled':
      return t('entryRecycled');
    case 'dormant_customer':
      return fill(t('entryDormant'), { n: entry.afterDays });
  }
}

function SequencesSection({ t, s }: { t: T; s: Settings }) {
  const defaults: [string, unknown][] = [
    ...(s.nurture?.sendWindow
      ? ([[t('sendWindowDefault'), windowText(t, s.nurture.sendWindow)]] as [string, unknown][])
      : []),
    ...(s.nurture?.frequencyCap
      ? ([
          [t('frequencyCap'), fill(t('mailsPer7Days'), { n: s.nurture.frequencyCap.maxPerRolling7Days })],
        ] as [string, unknown][])
      : []),
  ];
  return html`${defaults.length ? html`<${Props} rows=${defaults} />` : ''}
    ${(s.sequences ?? []).map((q) => {
      const rows: [string, unknown][] = [
        ...(q.entry ? ([[t('entry'), entryText(t, s, q.entry)]] as [string, unknown][]) : []),
        ...(q.window ? ([[t('sendWindow'), windowText(t, q.window)]] as [string, unknown][]) : []),
        ...(q.exit?.length
          ? ([
              [
                t('exitWhen'),
                list(
                  t,
                  q.exit.map((x) => valueLabel(t, 'exit', x)),
                ),
              ],
            ] as [string, unknown][])
          : []),
        ...(q.reentry ? ([[t('reentry'), valueLabel(t, 'reentry', q.reentry)]] as [string, unknown][]) : []),
      ];
      return html`<article class="setting" data-sequence=${q.id}><h3>${q.name} <small class="muted">${q.id}</small></h3>
        <${Props} rows=${rows} />
        ${
          q.steps?.length
            ? html`<div class="scroll" tabindex="0" role="region" aria-label=${q.name}><table><thead><tr><th scope="col" class="num idx">${t('step')}</th><th scope="col">${t('stepTiming')}</th><th scope="col">${t('mailSubject')}</th><th scope="col">${t('sendIf')}</th></tr></thead><tbody>
          ${q.steps.map(
            (step, i) =>
              html`<tr data-step=${step.id}><td class="num idx">${i + 1}</td><td data-delay>${delayText(t, step.delay)}</td><td data-subject>${subjectOf(s, step.templateId)}</td><td>${step.condition ? valueLabel(t, 'condition', step.condition) : html`<span class="muted">—</span>`}</td></tr>`,
          )}</tbody></table></div>`
            : ''
        }</article>`;
    })}`;
}

// ----- Forms ----------------------------------------------------------------------------------------------

function FormsSection({ t, s }: { t: T; s: Settings }) {
  const forms = s.forms ?? [];
  if (forms.length === 0) return html`<p>${t('noData')}</p>`;
  return forms.map((f) => {
    const required = f.fields.filter((x) => x.required).map((x) => x.label ?? x.name);
    const rows: [string, unknown][] = [
      ...(f.channel ? ([[t('channel'), valueLabel(t, 'channel', f.channel)]] as [string, unknown][]) : []),
      [t('requiredFields'), required.length ? list(t, required) : t('noneConfigured')],
      [t('autoReply'), f.autoReplyTemplateId ? subjectOf(s, f.autoReplyTemplateId) : t('off')],
      [t('doubleOptIn'), f.doubleOptIn ? t('on') : t('off')],
      ...(f.thankYouUrl
        ? ([[t('thankYouUrl'), html`<code class="url">${f.thankYouUrl}</code>`]] as [string, unknown][])
        : []),
      ...(f.sequenceIds
        ? ([
            [
              t('enrollsIn'),
              f.sequenceIds.length
                ? list(
                    t,
                    f.sequenceIds.map((id) => sequenceName(s, id)),
                  )
                : t('off'),
            ],
          ] as [string, unknown][])
        : []),
      ...(f.handoff
        ? ([[t('handoff'), f.handoff === 'immediate' ? t('immediateHandoff') : t('byScore')]] as [
            string,
            unknown,
          ][])
        : []),
    ];
    return html`<article class="setting" data-form=${f.id}><h3>${f.name} <small class="muted">${f.id}</small></h3><${Props} rows=${rows} /></article>`;
  });
}

// ----- Hand-off -------------------------------------------------------------------------------------------

function conditionText(t: T, when: NonNullable<Settings['handoff']['assignmentRules']>[number]['when']) {
  const parts: string[] = [];
  for (const name of ['prefecture', 'country', 'industry'] as const) {
    const values = when[name];
    if (values?.length) parts.push(`${valueLabel(t, 'attribute', name)}: ${list(t, values)}`);
  }
  if (when.employees)
    parts.push(`${valueLabel(t, 'attribute', 'employees')}: ${employeesText(t, when.employees)}`);
  return parts;
}

const ALERT_LABELS: Record<NonNullable<Settings['handoff']['ownerAlerts']>['events'][number], Key> = {
  'Lead Handed Off': 'alertHandedOff',
  'Lead Assigned': 'alertAssigned',
  'Lead SLA Breached': 'alertBreached',
  'Lead Follow-up Due': 'alertFollowUp',
};

function HandoffSection({ t, s }: { t: T; s: Settings }) {
  const h = s.handoff;
  const owner = (id: string) => h.owners.find((o) => o.ownerId === id)?.name ?? id;
  const trigger = h.trigger
    ? h.trigger.on === 'hot'
      ? t('triggerHot')
      : fill(t('triggerStage'), { stage: valueLabel(t, 'stage', h.trigger.stage) })
    : undefined;
  const general: [string, unknown][] = [
    ...(trigger ? ([[t('handoffTrigger'), trigger]] as [string, unknown][]) : []),
    ...(h.tql ? ([['TQL', h.tql.enabled ? t('tqlOn') : t('tqlOff')]] as [string, unknown][]) : []),
    ...(h.recycle
      ? ([
          [
            t('recycleSetting'),
            fill(t('recycleAfter'), {
              n: h.recycle.nurtureAfterDays,
              sequence: sequenceName(s, h.recycle.sequenceId),
            }),
          ],
        ] as [string, unknown][])
      : []),
  ];
  const alerts = h.ownerAlerts?.events;
  if (alerts)
    general.push([
      t('ownerAlerts'),
      alerts.length
        ? list(
            t,
            alerts.map((e) => t(ALERT_LABELS[e])),
          )
        : t('ownerAlertsOff'),
    ]);
  if (h.ownerAlerts)
    general.push([
      t('morningList'),
      h.ownerAlerts.morningList
        ? fill(t('morningListAt'), { time: h.ownerAlerts.morningList.time })
        : t('ownerAlertsOff'),
    ]);
  const sla = h.sla;
  const slaRows: [string, unknown][] = sla
    ? [
        [t('acceptWithin'), clockText(t, sla)],
        [t('firstContactWithin'), sla.firstContact ? clockText(t, sla.firstContact) : t('noFirstContact')],
        ...(sla.window ? ([[t('businessHours'), windowText(t, sla.window)]] as [string, unknown][]) : []),
        [
          t('onBreach'),
          sla.reassignOnBreach === false
            ? t('escalateOnly')
            : fill(t('reassignUpTo'), { n: sla.maxReassignments ?? 1 }),
        ],
      ]
    : [];
  const rules = h.assignmentRules ?? [];
  const routes = h.routes ?? [];
  return html`${general.length ? html`<${Props} rows=${general} />` : ''}
    <h3>${t('teamsAndOwners')}</h3>
    <div class="scroll" tabindex="0" role="region" aria-label=${t('teamsAndOwners')}><table data-testid="teams"><thead><tr><th scope="col">${t('team')}</th><th scope="col">${t('owner')}</th></tr></thead><tbody>
      ${h.teams.map(
        (team) =>
          html`<tr data-team=${team.teamId}><th scope="row">${team.name}</th><td>${list(
            t,
            h.owners.filter((o) => o.team === team.teamId).map((o) => o.name),
          )}</td></tr>`,
      )}</tbody></table></div>
    <h3>${t('assignmentRules')}</h3>
    <div class="scroll" tabindex="0" role="region" aria-label=${t('assignmentRules')}><table data-testid="assignment-rules"><thead><tr><th scope="col" class="num idx">#</th><th scope="col">${t('condition')}</th><th scope="col">${t('assignTo')}</th></tr></thead><tbody>
      ${rules.map(
        (
          rule,
          i,
        ) => html`<tr data-rule=${rule.id}><td class="num idx">${i + 1}</td><td>${conditionText(t, rule.when).map((c) => html`<div>${c}</div>`)}</td>
        <td>${'team' in rule.assignTo ? teamName(s, rule.assignTo.team) : owner(rule.assignTo.owner)}</td></tr>`,
      )}
      ${h.defaultTeam ? html`<tr data-rule="default"><td class="num idx">${rules.length + 1}</td><td>${t('elseRow')}</td><td>${teamName(s, h.defaultTeam)}</td></tr>` : ''}
    </tbody></table></div>
    ${
      routes.length
        ? html`<h3>${t('routes')}</h3>
    <div class="scroll" tabindex="0" role="region" aria-label=${t('routes')}><table class="wide" data-testid="routes"><thead><tr><th scope="col">${t('trigger')}</th><th scope="col">${t('temperature')}</th><th scope="col">${t('team')}</th><th scope="col">${t('acceptWithin')}</th><th scope="col">${t('firstContactWithin')}</th></tr></thead><tbody>
      ${routes.map((route) => {
        const accept =
          route.accept ?? (sla ? { hours: sla.hours, businessHours: sla.businessHours } : undefined);
        const first = route.firstContact ?? sla?.firstContact;
        return html`<tr data-trigger=${route.trigger}><th scope="row">${valueLabel(t, 'trigger', route.trigger)}</th>
          <td>${
            route.temperature?.length
              ? list(
                  t,
                  route.temperature.map((x) => valueLabel(t, 'temperature', x)),
                )
              : t('any')
          }</td>
          <td>${route.team ? teamName(s, route.team) : t('byRules')}</td>
          <td>${accept ? clockText(t, accept) : '—'}</td><td>${first ? clockText(t, first) : t('noFirstContact')}</td></tr>`;
      })}</tbody></table></div>`
        : ''
    }
    ${slaRows.length ? html`<h3>SLA</h3><div data-testid="sla-clocks"><${Props} rows=${slaRows} /></div>` : ''}`;
}

// ----- Targets and deals ----------------------------------------------------------------------------------

const METRICS = ['leads', 'mql', 'sql', 'opportunities'] as const;
const figureCells = (f: Figures) =>
  METRICS.map((m) => html`<td class="num">${f[m] === undefined ? '—' : f[m].toLocaleString()}</td>`);

function TargetsSection({ t, s }: { t: T; s: Settings }) {
  const every = s.reports?.targets?.everyMonth;
  const months = [
    ...(every ? [['everyMonth', every] as const] : []),
    ...Object.entries(s.reports?.targets?.months ?? {}).sort(([a], [b]) => a.localeCompare(b)),
  ];
  if (months.length === 0) return html`<p>${t('noData')}</p>`;
  return html`<div class="scroll" tabindex="0" role="region" aria-label=${t('monthlyTargets')}><table data-testid="targets"><thead><tr><th scope="col">${t('month')}</th>${METRICS.map((m) => html`<th scope="col" class="num">${valueLabel(t, 'metric', m)}</th>`)}</tr></thead><tbody>
    ${months.map(
      ([
        month,
        f,
      ]) => html`<tr data-month=${month}><th scope="row">${month === 'everyMonth' ? t('everyMonth') : month}</th>${figureCells(f)}</tr>
      ${Object.entries(f.byChannel ?? {}).map(
        ([channel, c]) =>
          html`<tr class="sub"><th scope="row"><small class="muted">${t('byChannel')}:</small> ${valueLabel(t, 'channel', channel)}</th>${figureCells(c)}</tr>`,
      )}`,
    )}</tbody></table></div>`;
}

function DealsSection({ t, s }: { t: T; s: Settings }) {
  const deals = s.deals;
  if (!deals) return '';
  const rows: [string, unknown][] = [
    [
      t('requiredForSql'),
      deals.requiredForSql.length
        ? list(
            t,
            deals.requiredForSql.map((k) => keyed(t, BANTCH_KEYS, k)),
          )
        : t('noneConfigured'),
    ],
    ...(deals.lostNurtureAfterDays !== undefined
      ? ([[t('lostNurture'), fill(t('afterDays'), { n: deals.lostNurtureAfterDays })]] as [string, unknown][])
      : []),
    ...(deals.crmSyncIntervalMinutes !== undefined
      ? ([[t('crmSync'), fill(t('everyMinutes'), { n: deals.crmSyncIntervalMinutes })]] as [
          string,
          unknown,
        ][])
      : []),
  ];
  return html`<h3>${t('dealPhases')}</h3>
    <div class="scroll" tabindex="0" role="region" aria-label=${t('dealPhases')}><table class="compact" data-testid="deal-phases"><thead><tr><th scope="col" class="num idx">#</th><th scope="col">${t('phase')}</th><th scope="col" class="num">${t('probability')}</th></tr></thead><tbody>
      ${deals.phases.map((p, i) => html`<tr data-phase=${p.id}><td class="num idx">${i + 1}</td><th scope="row">${p.label}</th><td class="num">${p.probability}%</td></tr>`)}
    </tbody></table></div>
    <p class="muted"><small>${t('thenWonLost')}</small></p>
    <${Props} rows=${rows} />`;
}

/** The sections in page order: the summary's key, the heading, and how the section reads. */
const SECTIONS: { key: keyof Settings; label: Key; Body: (props: { t: T; s: Settings }) => unknown }[] = [
  { key: 'scoring', label: 'scoring', Body: ScoringSection },
  { key: 'sequences', label: 'sequences', Body: SequencesSection },
  { key: 'forms', label: 'forms', Body: FormsSection },
  { key: 'handoff', label: 'handoff', Body: HandoffSection },
  { key: 'reports', label: 'monthlyTargets', Body: TargetsSection },
  { key: 'deals', label: 'deal', Body: DealsSection },
];

/** Every section the summary has, readable first, with the full JSON collapsed below it. */
export function SettingsSections({ t, settings }: { t: T; settings: Settings }) {
  return SECTIONS.filter(({ key }) => settings[key] !== undefined).map(
    ({ key, label, Body }) => html`<section class="card" aria-labelledby=${`h-${key}`} data-section=${key}>
      <h2 id=${`h-${key}`}>${t(label)}</h2>
      <${Body} t=${t} s=${settings} />
      <details class="json"><summary>${t(label)}: ${t('json')}</summary><pre>${JSON.stringify(settings[key], null, 2)}</pre></details></section>`,
  );
}

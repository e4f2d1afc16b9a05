import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HandoffConfig, handoffConfigSchema } from '#config/handoff';
import {
  type AssignmentConfig,
  assignOwner,
  type Owner,
  type RoundRobinState,
  recordAssignment,
  ruleMatches,
} from '#domain/handoff/assignment';
import { handoff as demoHandoff } from '../../../config/handoff.ts';

const demo: HandoffConfig = handoffConfigSchema.parse(demoHandoff);
const NOW = Date.UTC(2025, 4, 12, 1, 0);

const owner = (ownerId: string, team: string, available = true): Owner => ({
  ownerId,
  name: ownerId,
  email: `${ownerId}@example.co.jp`,
  team,
  available,
});

const oneTeam = (owners: Owner[]): AssignmentConfig => ({
  owners,
  teams: [{ teamId: 'smb', name: 'SMB' }],
  assignmentRules: [],
  defaultTeam: 'smb',
});

/** Runs `count` hand-offs one minute apart, feeding the round-robin state forward like the handler does. */
const runHandoffs = (config: AssignmentConfig, count: number, attributes = {}) => {
  let state: RoundRobinState = {};
  const chosen: string[] = [];
  for (let i = 0; i < count; i++) {
    const now = NOW + i * 60_000;
    const result = assignOwner({ attributes }, config, state, now);
    if (!result.ok) throw new Error(result.message);
    chosen.push(result.owner.ownerId);
    state = recordAssignment(state, result.owner.ownerId, now);
  }
  return chosen;
};

describe('assignOwner with the demo config', () => {
  it('given a lead from 大阪府, when assigned, then the Kansai territory rule picks the kansai team', () => {
    // Act
    const result = assignOwner({ attributes: { prefecture: '大阪府', employees: '5000' } }, demo, {}, NOW);

    // Assert
    expect(result).toMatchObject({ ok: true, team: 'kansai', rule: 'kansai-territory', via: 'round_robin' });
  });

  it('given a company with 1,000 employees or more outside Kansai, when assigned, then it goes to enterprise', () => {
    const result = assignOwner(
      { attributes: { prefecture: '東京都', employees: '1000-4999' } },
      demo,
      {},
      NOW,
    );
    expect(result).toMatchObject({
      ok: true,
      team: 'enterprise',
      rule: 'enterprise-size',
      owner: { name: '佐藤 健' },
    });
  });

  it('given a small company, when assigned, then no rule matches and the default smb team takes it', () => {
    const result = assignOwner({ attributes: { prefecture: '東京都', employees: '50-99' } }, demo, {}, NOW);
    expect(result).toMatchObject({ ok: true, team: 'smb', rule: null, owner: { name: '鈴木 花子' } });
  });

  it('given an unknown company size, when assigned, then the size rule does not match', () => {
    const result = assignOwner({ attributes: { employees: '非公開' } }, demo, {}, NOW);
    expect(result).toMatchObject({ ok: true, team: 'smb' });
  });
});

describe('round-robin', () => {
  it('given owners assigned at different times, when assigning, then the least recently assigned gets the lead', () => {
    // Arrange
    const config = oneTeam([owner('a', 'smb'), owner('b', 'smb'), owner('c', 'smb')]);
    const state = { a: NOW - 1000, b: NOW - 3000, c: NOW - 2000 };

    // Act
    const result = assignOwner({ attributes: {} }, config, state, NOW);

    // Assert
    expect(result).toMatchObject({ ok: true, owner: { ownerId: 'b' } });
  });

  it('given a tie, when assigning, then the owner listed first in config wins', () => {
    const config = oneTeam([owner('zeta', 'smb'), owner('alpha', 'smb')]);
    expect(assignOwner({ attributes: {} }, config, {}, NOW)).toMatchObject({ owner: { ownerId: 'zeta' } });
  });

  it('given k available owners, when N×k leads are handed off, then counts differ by at most one (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 20 }),
        fc.nat({ max: 7 }),
        (k, n, extra) => {
          // Arrange
          const owners = Array.from({ length: k }, (_, i) => owner(`o${i}`, 'smb'));

          // Act
          const chosen = runHandoffs(oneTeam(owners), n * k + extra);

          // Assert
          const counts = owners.map((o) => chosen.filter((c) => c === o.ownerId).length);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('given some owners unavailable, when many leads are handed off, then unavailable owners are never chosen (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 2, maxLength: 8 }),
        fc.integer({ min: 1, max: 40 }),
        (flags, count) => {
          // Arrange: at least one owner is available
          const availability = flags.some(Boolean) ? flags : [true, ...flags.slice(1)];
          const owners = availability.map((available, i) => owner(`o${i}`, 'smb', available));

          // Act
          const chosen = runHandoffs(oneTeam(owners), count);

          // Assert
          const unavailable = new Set(owners.filter((o) => !o.available).map((o) => o.ownerId));
          expect(chosen.filter((id) => unavailable.has(id))).toEqual([]);
        },
      ),
    );
  });

  it('given an excluded owner, when assigning, then the next owner is chosen even if the excluded one is due', () => {
    const config = oneTeam([owner('a', 'smb'), owner('b', 'smb')]);
    const result = assignOwner({ attributes: {} }, config, { b: NOW }, NOW, ['a']);
    expect(result).toMatchObject({ ok: true, owner: { ownerId: 'b' } });
  });
});

describe('rules beat round-robin', () => {
  const config: AssignmentConfig = {
    owners: [owner('a', 'smb'), owner('b', 'smb'), owner('vip', 'smb')],
    teams: [{ teamId: 'smb', name: 'SMB' }],
    assignmentRules: [{ id: 'big-pharma', when: { industry: ['製薬'] }, assignTo: { owner: 'vip' } }],
    defaultTeam: 'smb',
  };

  it('given a rule naming an owner, when a matching lead arrives, then that owner gets it whatever the round-robin says (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'vip'), fc.nat({ max: NOW })), (state) => {
        const result = assignOwner({ attributes: { industry: '製薬' } }, config, state, NOW);
        expect(result).toMatchObject({
          ok: true,
          owner: { ownerId: 'vip' },
          rule: 'big-pharma',
          via: 'rule_owner',
        });
      }),
    );
  });

  it('given the named owner is unavailable, when a matching lead arrives, then their team covers by round-robin', () => {
    const away = {
      ...config,
      owners: config.owners.map((o) => (o.ownerId === 'vip' ? { ...o, available: false } : o)),
    };
    const result = assignOwner({ attributes: { industry: '製薬' } }, away, {}, NOW);
    expect(result).toMatchObject({
      ok: true,
      owner: { ownerId: 'a' },
      rule: 'big-pharma',
      via: 'round_robin',
    });
  });
});

describe('no owner available', () => {
  it("given everyone in the rule's team is away, when assigning, then the default team takes the lead", () => {
    const config = {
      ...demo,
      owners: demo.owners.map((o) => (o.team === 'kansai' ? { ...o, available: false } : o)),
    };
    const result = assignOwner({ attributes: { prefecture: '京都府' } }, config, {}, NOW);
    expect(result).toMatchObject({ ok: true, team: 'smb', fallback: true, rule: 'kansai-territory' });
  });

  it('given nobody is available at all, when assigning, then a no_owner_available result names the team', () => {
    const config = oneTeam([owner('a', 'smb', false)]);
    expect(assignOwner({ attributes: {} }, config, {}, NOW)).toEqual({
      ok: false,
      code: 'no_owner_available',
      team: 'smb',
      message: "no available owner in team 'smb'",
    });
  });
});

describe('ruleMatches', () => {
  it.each([
    [{ prefecture: ['大阪府'] }, { prefecture: '大阪府' }, true],
    [{ prefecture: ['大阪府'] }, { prefecture: '東京都' }, false],
    [{ prefecture: ['大阪府'] }, {}, false],
    [{ country: ['JP'] }, { country: 'jp' }, true],
    [{ employees: { min: 100, max: 999 } }, { employees: '100-499' }, true],
    [{ employees: { min: 1000 } }, { employees: '500-999' }, false],
    [{ employees: { max: 99 } }, { employees: '１０名' }, true],
    [
      { industry: ['製造業', 'IT'], employees: { min: 1000 } },
      { industry: '製造業', employees: '300' },
      false,
    ],
  ])('given condition %j and lead %j, then match is %s', (when, attributes, expected) => {
    expect(ruleMatches(when, attributes)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { readContract, segmentProblems, segmentsJson } from '../config/segments';
import type { AudiencesConfig, SegmentConfig } from '../config/types';

const base = loadConfig('dev').audiences;
const users = readContract('users');
const withSegments = (segments: SegmentConfig[]): AudiencesConfig => ({ ...base, segments });

describe('segment rules, checked against the users contract at synth', () => {
  it('accepts the configured segments of every environment', () => {
    for (const env of ['local', 'dev', 'qa', 'prod']) {
      expect(segmentProblems(loadConfig(env).audiences, users), env).toEqual([]);
    }
  });

  it('refuses a column the contract does not have, naming the columns it has', () => {
    const problems = segmentProblems(
      withSegments([{ name: 'vip', rule: { kind: 'equals', column: 'tier', value: 'gold' } }]),
      users,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^segment 'vip': column 'tier' is not in the users contract \(user_id, email, /,
    );
  });

  it('refuses a value of the wrong type and an enum value the contract does not list', () => {
    const problems = segmentProblems(
      withSegments([
        { name: 'opted', rule: { kind: 'equals', column: 'marketing_opt_in', value: 'yes' } },
        { name: 'fax', rule: { kind: 'equals', column: 'preferred_channel', value: 'fax' } },
        { name: 'night', rule: { kind: 'equals', column: 'digest_hour', value: 23 } },
      ]),
      users,
    );
    expect(problems).toEqual([
      `segment 'opted': "yes" is not a value of the boolean column 'marketing_opt_in'`,
      `segment 'fax': "fax" is not a value of the enum column 'preferred_channel' (one of email, push, sms, none)`,
    ]);
  });

  it('refuses a prefix on a column that is not text, an empty prefix, a bad name and a repeated one', () => {
    const problems = segmentProblems(
      withSegments([
        { name: 'p', rule: { kind: 'prefix', column: 'marketing_opt_in', prefix: 't' } },
        { name: 'q', rule: { kind: 'prefix', column: 'locale', prefix: '' } },
        { name: 'has space', rule: { kind: 'everyone' } },
        { name: 'q', rule: { kind: 'everyone' } },
      ]),
      users,
    );
    expect(problems).toEqual([
      `segment 'p': prefix needs a text column; 'marketing_opt_in' is boolean`,
      `segment 'q': the prefix is empty (use kind 'everyone')`,
      `segment name 'has space' must be 1-64 of [A-Za-z0-9_-]`,
      `segment 'q' is declared twice`,
    ]);
  });

  it('refuses a contract without the profile columns or a boolean consent column', () => {
    const thin = {
      dataset: 'users',
      columns: [
        { name: 'user_id', type: 'text' },
        { name: 'marketing_opt_in', type: 'text' },
      ],
    };
    expect(segmentProblems(withSegments([{ name: 'all-users', rule: { kind: 'everyone' } }]), thin)).toEqual([
      "the users contract has no column 'display_name' (profiles need it)",
      "the users contract has no column 'first_name' (profiles need it)",
      "the users contract has no column 'locale' (profiles need it)",
      "the users contract has no column 'time_zone' (profiles need it)",
      "the users contract's 'marketing_opt_in' must be boolean (marketing consent)",
    ]);
  });

  it('hands sync-audiences the rules as JSON, the marketing flag only where set', () => {
    expect(
      JSON.parse(
        segmentsJson(
          withSegments([
            { name: 'all-users', rule: { kind: 'everyone' } },
            { name: 'marketing', rule: { kind: 'everyone' }, marketing: true },
          ]),
        ),
      ),
    ).toEqual([
      { name: 'all-users', rule: { kind: 'everyone' } },
      { name: 'marketing', rule: { kind: 'everyone' }, marketing: true },
    ]);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AudiencesConfig, SegmentConfig } from './types';

/** The part of a dataset contract (data/contracts/<dataset>.json) that segment rules may use. */
export interface ContractColumn {
  readonly name: string;
  readonly type: string;
  readonly values?: readonly string[];
}
export interface UsersContract {
  readonly dataset: string;
  readonly columns: readonly ContractColumn[];
}

/** The columns sync-audiences copies into each profile and member, and the consent column. */
export const PROFILE_COLUMNS = ['user_id', 'display_name', 'first_name', 'locale', 'time_zone'] as const;
export const CONSENT_COLUMN = 'marketing_opt_in';

const SEGMENT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const TEXT_TYPES = new Set(['text', 'email', 'enum']);

export function readContract(
  dataset: string,
  dataDir = path.join(__dirname, '..', '..', 'data'),
): UsersContract {
  const file = path.join(dataDir, 'contracts', `${dataset}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as UsersContract;
}

function ruleProblems(s: SegmentConfig, columns: ReadonlyMap<string, ContractColumn>): string[] {
  const rule = s.rule;
  if (rule.kind === 'everyone') return [];
  const where = `segment '${s.name}'`;
  const column = columns.get(rule.column);
  if (column === undefined) {
    return [
      `${where}: column '${rule.column}' is not in the users contract (${[...columns.keys()].join(', ')})`,
    ];
  }
  if (rule.kind === 'prefix') {
    if (!TEXT_TYPES.has(column.type))
      return [`${where}: prefix needs a text column; '${column.name}' is ${column.type}`];
    return rule.prefix === '' ? [`${where}: the prefix is empty (use kind 'everyone')`] : [];
  }
  const v = rule.value;
  const fits =
    column.type === 'boolean'
      ? typeof v === 'boolean'
      : column.type === 'enum'
        ? typeof v === 'string' && (column.values ?? []).includes(v)
        : column.type === 'integer' || column.type === 'numeric'
          ? typeof v === 'number'
          : TEXT_TYPES.has(column.type) && typeof v === 'string';
  if (fits) return [];
  const allowed = column.type === 'enum' ? ` (one of ${(column.values ?? []).join(', ')})` : '';
  return [
    `${where}: ${JSON.stringify(v)} is not a value of the ${column.type} column '${column.name}'${allowed}`,
  ];
}

/** Every problem of the segment rules against the dataset's contract (synth refuses any). */
export function segmentProblems(audiences: AudiencesConfig, contract: UsersContract): string[] {
  const problems: string[] = [];
  const columns = new Map(contract.columns.map((c) => [c.name, c]));
  for (const needed of [...PROFILE_COLUMNS, CONSENT_COLUMN]) {
    if (!columns.has(needed))
      problems.push(`the ${contract.dataset} contract has no column '${needed}' (profiles need it)`);
  }
  if (columns.get(CONSENT_COLUMN)?.type !== 'boolean') {
    problems.push(
      `the ${contract.dataset} contract's '${CONSENT_COLUMN}' must be boolean (marketing consent)`,
    );
  }
  const seen = new Set<string>();
  for (const s of audiences.segments) {
    if (!SEGMENT_NAME.test(s.name)) problems.push(`segment name '${s.name}' must be 1-64 of [A-Za-z0-9_-]`);
    if (seen.has(s.name)) problems.push(`segment '${s.name}' is declared twice`);
    seen.add(s.name);
    problems.push(...ruleProblems(s, columns));
  }
  if (audiences.segments.length === 0) problems.push('audiences.segments is empty: nothing could be sent');
  return problems;
}

/** The SEGMENTS variable of sync-audiences: the rules as JSON (names only for the admin API). */
export function segmentsJson(audiences: AudiencesConfig): string {
  return JSON.stringify(
    audiences.segments.map((s) => ({
      name: s.name,
      rule: s.rule,
      ...(s.marketing ? { marketing: true } : {}),
    })),
  );
}

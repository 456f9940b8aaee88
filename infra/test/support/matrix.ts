import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENV_NAMES, type EnvName } from '../../config';
import { grantKey, type Grant } from './policies';

export const SECURITY_MD = path.resolve(__dirname, '..', '..', '..', 'docs', 'SECURITY.md');

export interface MatrixRow {
  readonly line: number;
  readonly principals: string[];
  readonly effect: 'Allow' | 'Deny';
  readonly actions: string[];
  readonly resources: string[];
  readonly condition: string;
  readonly envs: EnvName[];
  readonly why: string;
}

const COLUMNS = ['Principal', 'Effect', 'Actions', 'Resource', 'Condition', 'Envs', 'Why'];

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.replaceAll('`', '').trim());
}

function list(cell: string): string[] {
  return cell
    .split(/,\s+(?![^[]*\])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Parses the table under "## Access matrix". Throws on any malformed row. */
export function parseMatrix(markdown: string): MatrixRow[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === '## Access matrix');
  if (start < 0) throw new Error('docs/SECURITY.md has no "## Access matrix" section');
  const header = lines.findIndex((l, i) => i > start && l.trim().startsWith('|'));
  if (JSON.stringify(cells(lines[header])) !== JSON.stringify(COLUMNS)) {
    throw new Error(`Access matrix header must be: | ${COLUMNS.join(' | ')} |`);
  }
  const rows: MatrixRow[] = [];
  for (let i = header + 2; i < lines.length && lines[i].trim().startsWith('|'); i++) {
    const c = cells(lines[i]);
    const where = `docs/SECURITY.md:${i + 1}`;
    if (c.length !== COLUMNS.length)
      throw new Error(`${where}: expected ${COLUMNS.length} cells, got ${c.length}`);
    const [principal, effect, actions, resource, condition, envs, why] = c;
    if (effect !== 'Allow' && effect !== 'Deny') throw new Error(`${where}: Effect must be Allow or Deny`);
    const envList = envs === 'all' ? [...ENV_NAMES] : list(envs);
    for (const e of envList) {
      if (!(ENV_NAMES as readonly string[]).includes(e)) throw new Error(`${where}: unknown env '${e}'`);
    }
    if (why.length < 10) throw new Error(`${where}: every row needs a reason (Why)`);
    rows.push({
      line: i + 1,
      principals: list(principal),
      effect,
      actions: list(actions),
      resources: list(resource),
      condition,
      envs: envList as EnvName[],
      why,
    });
  }
  if (rows.length === 0) throw new Error('Access matrix has no rows');
  return rows;
}

export function readMatrix(): MatrixRow[] {
  return parseMatrix(fs.readFileSync(SECURITY_MD, 'utf8'));
}

/** The grants a matrix intends for one environment. */
export function expectedGrants(rows: MatrixRow[], env: EnvName): Grant[] {
  const out: Grant[] = [];
  for (const r of rows) {
    if (!r.envs.includes(env)) continue;
    for (const principal of r.principals)
      for (const action of r.actions)
        for (const resource of r.resources)
          out.push({ principal, effect: r.effect, action, resource, condition: r.condition });
  }
  return out;
}

/** Grants present in one set and not the other, as sorted keys. */
export function diffGrants(expected: Grant[], actual: Grant[]): { extra: string[]; missing: string[] } {
  const exp = new Set(expected.map(grantKey));
  const act = new Set(actual.map(grantKey));
  return {
    extra: [...act].filter((k) => !exp.has(k)).sort(),
    missing: [...exp].filter((k) => !act.has(k)).sort(),
  };
}

/** Rows that grant a bare `*` resource or a wildcard action must say why AWS requires it. */
export function unjustifiedWildcards(rows: MatrixRow[]): MatrixRow[] {
  return rows.filter(
    (r) =>
      r.effect === 'Allow' &&
      (r.resources.includes('*') || r.actions.some((a) => a.includes('*'))) &&
      !r.why.startsWith('AWS requires'),
  );
}

import type { CfnTemplate } from './synth';

export type Props = Record<string, unknown>;

export function ofType(t: CfnTemplate, type: string): [string, Props][] {
  return Object.entries(t.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, (r.Properties ?? {}) as Props]);
}

export function one(t: CfnTemplate, type: string): [string, Props] {
  const all = ofType(t, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

/** Logical id behind `{ Ref: X }` or `{ Fn::GetAtt: [X, ...] }`; undefined for anything else. */
export function refId(v: unknown): string | undefined {
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.Ref === 'string') return o.Ref;
    if (Array.isArray(o['Fn::GetAtt'])) return o['Fn::GetAtt'][0] as string;
  }
  return undefined;
}

/** The value an `Fn::ImportValue` resolves to in the exporting template. */
export function importedValue(v: unknown, exporter: CfnTemplate): unknown {
  const name = (v as Record<string, unknown>)['Fn::ImportValue'];
  const out = Object.values(exporter.Outputs ?? {}).find((o) => o.Export?.Name === name);
  if (!out) throw new Error(`no export named ${String(name)}`);
  return out.Value;
}

export function typeOf(t: CfnTemplate, logicalId: string | undefined): string | undefined {
  return logicalId === undefined ? undefined : t.Resources[logicalId]?.Type;
}

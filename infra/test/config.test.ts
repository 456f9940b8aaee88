import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENV_NAMES, loadConfig, validateConfig, type EnvConfig } from '../config';
import { baseConfig, defineEnv } from '../config/base';
import { artifactDir, localEndpointUrl } from '../config/process-env';
import { buildApp } from './support/synth';

const INFRA = path.resolve(__dirname, '..');

describe('environment configs', () => {
  it.each(ENV_NAMES)('%s is valid and names itself', (env) => {
    const cfg = loadConfig(env);
    expect(cfg.name).toBe(env);
    expect(validateConfig(cfg)).toEqual([]);
  });

  it('rejects an unknown environment with the list of valid ones', () => {
    expect(() => loadConfig('staging')).toThrow(/Unknown environment 'staging'.*local\|dev\|qa\|prod/);
  });

  it('reports every problem of a broken config', () => {
    const good = loadConfig('dev');
    const broken: EnvConfig = {
      ...good,
      account: '12345',
      network: { ...good.network, azCount: 4 },
      schedule: { ...good.schedule, timezone: 'Mars/Olympus' },
      logRetentionDays: 10,
      queue: { ...good.queue, maxConcurrency: 50, batchSize: 11 },
      availabilityZones: ['us-east-1a', 'eu-west-2b', 'eu-west-2c'],
    };
    const problems = validateConfig(broken).join('\n');
    for (const part of [
      'not 12 digits',
      'azCount 4',
      'IANA',
      'retention value',
      "exceeds generate's reserved",
      'batchSize',
      "AZ 'us-east-1a'",
    ]) {
      expect(problems).toContain(part);
    }
  });

  it('gives AWS_ENDPOINT_URL to local only, and PRIVATE APIs to AWS environments only', () => {
    const endpoints = Object.fromEntries(ENV_NAMES.map((e) => [e, loadConfig(e).awsEndpointUrl]));
    expect(endpoints).toEqual({ local: localEndpointUrl(), dev: undefined, qa: undefined, prod: undefined });
    expect(loadConfig('local').api.endpointTypeReason).toMatch(/MiniStack/);
    expect(loadConfig('prod').data.deletionProtection).toBe(true);
  });
});

describe('process environment (config/process-env.ts)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads DN_ARTIFACT_DIR, defaulting to functions/dist', () => {
    delete process.env.DN_ARTIFACT_DIR;
    expect(artifactDir()).toBe(path.resolve(INFRA, '..', 'functions', 'dist'));
    process.env.DN_ARTIFACT_DIR = '/tmp/some-artifacts';
    expect(artifactDir()).toBe('/tmp/some-artifacts');
  });

  it('reads AWS_ENDPOINT_URL for local, defaulting to MiniStack on 4566', () => {
    delete process.env.AWS_ENDPOINT_URL;
    expect(localEndpointUrl()).toBe('http://localhost:4566');
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4599';
    expect(localEndpointUrl()).toBe('http://127.0.0.1:4599');
  });

  it('is the only module that reads process.env, and stacks never branch on the env name', () => {
    const files = ['bin', 'lib', 'config'].flatMap((d) =>
      fs
        .readdirSync(path.join(INFRA, d), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => path.join(INFRA, d, f)),
    );
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const src = fs.readFileSync(f, 'utf8');
      if (!f.endsWith(path.join('config', 'process-env.ts'))) expect(src, f).not.toMatch(/process\.env/);
      if (f.includes(`${path.sep}lib${path.sep}`)) expect(src, f).not.toMatch(/['"](local|dev|qa|prod)['"]/);
    }
  });
});

describe('artifacts', () => {
  it('fails synth with a clear message when a function zip is missing', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'dn-empty-'));
    expect(() => buildApp('dev', empty)).toThrow(
      new RegExp(
        `Lambda artifact not found: ${empty}/find-daily.zip[\\s\\S]*make package[\\s\\S]*DN_ARTIFACT_DIR`,
      ),
    );
  });
});

describe('config/base.ts', () => {
  it('applies an environment difference at any depth and keeps the rest of the base', () => {
    const cfg = defineEnv('qa', {
      account: '123456789012',
      network: { vpcCidr: '10.99.0.0/16' },
      functions: { generate: { memoryMb: 2048 } },
    });
    const base = baseConfig('qa');
    expect(cfg.functions.generate).toEqual({ ...base.functions.generate, memoryMb: 2048 });
    expect(cfg.functions.getNotifications).toEqual(base.functions.getNotifications);
    expect(cfg.network).toEqual({ ...base.network, vpcCidr: '10.99.0.0/16' });
    expect(cfg.alarms.topicName).toBe('daily-notifications-qa-alarms');
  });

  it('replaces a choice whole: a feature turned off keeps only its reason', () => {
    const cfg = defineEnv('dev', {
      account: '123456789012',
      network: { vpcCidr: '10.99.0.0/16' },
      alarms: { metricMath: { enabled: false, reason: 'because' } },
    });
    expect(cfg.alarms.metricMath).toEqual({ enabled: false, reason: 'because' });
    expect(loadConfig('local').dataPipeline.database.kind).toBe('external');
    expect(Object.keys(loadConfig('local').dataPipeline.database)).not.toContain('engineVersion');
  });
});

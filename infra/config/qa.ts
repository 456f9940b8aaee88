import { defineEnv } from './base';

/** QA account: the base (production shape at lower capacity); the full deployment tests run here. */
export const qa = defineEnv('qa', { account: '222222222222', network: { vpcCidr: '10.30.0.0/16' } });

import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { AppStack, Concern } from '../lib/constructs/concern';

class Pair extends Concern {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new sqs.Queue(this, 'Default');
    new sqs.Queue(this, 'Dlq');
  }
}

function ids(stack: Stack): string[] {
  return Object.keys(stackTemplate(stack).Resources).sort();
}

function stackTemplate(stack: Stack): { Resources: Record<string, unknown> } {
  return (stack.node.root as App).synth().getStackByName(stack.stackName).template;
}

describe('concern logical ids (lib/constructs/concern.ts)', () => {
  it('gives a concern child the id it would have as a sibling <concern><child>', () => {
    const flat = new Stack(new App(), 'S');
    new sqs.Queue(flat, 'Work');
    new sqs.Queue(flat, 'WorkDlq');
    const nested = new AppStack(new App(), 'S');
    new Pair(nested, 'Work');
    expect(ids(flat)).toHaveLength(2);
    expect(ids(nested)).toEqual(ids(flat));
  });

  it("leaves every id outside a concern exactly as CDK's own", () => {
    const plain = new Stack(new App(), 'S');
    const ours = new AppStack(new App(), 'S');
    for (const s of [plain, ours]) new sqs.Queue(new Construct(s, 'Group'), 'Queue');
    expect(ids(ours)).toEqual(ids(plain));
  });

  it('refuses two resources that would share a logical id', () => {
    const stack = new AppStack(new App(), 'S');
    new Pair(stack, 'Work');
    new sqs.Queue(stack, 'WorkDlq');
    expect(() => stackTemplate(stack)).toThrow(/would share the logical id/);
  });
});

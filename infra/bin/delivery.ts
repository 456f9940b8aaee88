#!/usr/bin/env node
/**
 * The delivery bootstrap app: per AWS environment (dev, qa, prod), the GitHub OIDC provider and
 * the roles GitHub Actions assumes (lib/delivery-stack.ts). Deployed once per account by an
 * administrator, before the pipeline can run:
 *
 *   npx cdk deploy -a 'npx tsx bin/delivery.ts' -c githubRepo=<owner>/<repo> DailyNotifications-dev-Delivery
 *
 * Context: githubRepo (default example-org/daily-notifications), createOidcProvider (default
 * true; false when the account already has GitHub's provider), githubWorkflowRef (the git ref
 * whose .github/workflows/deploy-env.yml may assume the roles; default refs/heads/main).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addDelivery } from '../lib/delivery';

const app = new App();
addDelivery(app, {
  repository: String(app.node.tryGetContext('githubRepo') ?? 'example-org/daily-notifications'),
  createOidcProvider: String(app.node.tryGetContext('createOidcProvider') ?? 'true') !== 'false',
  workflowRef: String(app.node.tryGetContext('githubWorkflowRef') ?? 'refs/heads/main'),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

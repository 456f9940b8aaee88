import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ARTIFACT_NAMES, type ArtifactName } from './naming';

/**
 * Code of a function from its release zip (`make package` -> functions/dist/<name>.zip).
 * Fails synth with a clear message when the zip is missing, instead of deploying stale code.
 */
export function functionCode(artifactDir: string, name: ArtifactName): lambda.Code {
  const zip = path.join(artifactDir, `${name}.zip`);
  if (!fs.existsSync(zip)) {
    throw new Error(
      `Lambda artifact not found: ${zip}\n` +
        `Build it with 'make package' (writes functions/dist/<name>.zip), or set DN_ARTIFACT_DIR ` +
        `to the directory holding a zip per artifact (${ARTIFACT_NAMES.join(', ')}).`,
    );
  }
  return lambda.Code.fromAsset(zip);
}

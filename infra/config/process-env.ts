/**
 * The only place the CDK app reads process environment variables. Everything else gets these
 * values through function arguments or EnvConfig, so tests and synth stay reproducible.
 */
import * as path from 'node:path';

/** Default artifact directory: `make package` writes functions/dist/<name>.zip there. */
const DEFAULT_ARTIFACT_DIR = path.resolve(__dirname, '..', '..', 'functions', 'dist');

/** MiniStack's default edge port. */
const DEFAULT_LOCAL_ENDPOINT = 'http://localhost:4566';

/** Directory holding <function>.zip; override with DN_ARTIFACT_DIR. */
export function artifactDir(): string {
  const fromEnv = process.env.DN_ARTIFACT_DIR;
  return fromEnv && fromEnv.length > 0 ? path.resolve(fromEnv) : DEFAULT_ARTIFACT_DIR;
}

/**
 * Endpoint the local functions call. The local scripts deploy with AWS_ENDPOINT_URL pointing at
 * MiniStack, so reading the same variable keeps the functions on the port the deploy used.
 */
export function localEndpointUrl(): string {
  const fromEnv = process.env.AWS_ENDPOINT_URL;
  return fromEnv && fromEnv.length > 0 ? fromEnv : DEFAULT_LOCAL_ENDPOINT;
}

/** The local PostgreSQL server (scripts/local/postgres.sh): port and the CA that signed its certificate. */
export function localPostgres(): { port: number; rootCertPath: string } {
  const dir = process.env.DN_LOCAL_DIR ?? path.resolve(__dirname, '..', '..', '.local');
  const port = Number(process.env.DN_LOCAL_PG_PORT ?? '55432');
  return { port, rootCertPath: path.join(path.resolve(dir), 'postgres', 'tls', 'ca.crt') };
}

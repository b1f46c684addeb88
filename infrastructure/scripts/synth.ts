/**
 * `npm run synth`: `cdk synth` with the CLI pinned in package.json, offline, into infrastructure/cdk.out.
 *
 * Offline means more than "no lookups in the app": before running the app the CLI looks for AWS
 * credentials and, when it finds any (environment variables, ~/.aws, a container or instance role), asks
 * STS which account they belong to. So the CLI runs here with those sources hidden, IMDS disabled, and no
 * version check, notices or telemetry. Extra arguments go to `cdk synth`, e.g.
 * `npm run synth -- -c skillId=amzn1.ask.skill.<uuid>`; without a skill id it uses the placeholder.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { CONTEXT, PLACEHOLDER_SKILL_ID } from '../lib/app-context';

const INFRASTRUCTURE = path.join(__dirname, '..');
const CDK_CLI = path.join(path.dirname(require.resolve('aws-cdk/package.json')), 'bin', 'cdk');
/** Where the AWS SDK would find credentials or a profile that points at some. */
const CREDENTIAL_VARIABLES =
  /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|ROLE_ARN|WEB_IDENTITY_TOKEN_FILE|CONTAINER_CREDENTIALS_.*|CONTAINER_AUTHORIZATION_TOKEN.*|CREDENTIAL_EXPIRATION)$/;

/** This process's environment without AWS credentials, plus the switches that keep the CLI offline. */
export function offlineEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const kept = Object.entries(env).filter(([name]) => !CREDENTIAL_VARIABLES.test(name));
  const missing = path.join(INFRASTRUCTURE, 'cdk.out', 'no-aws-config');
  return {
    ...Object.fromEntries(kept),
    AWS_SHARED_CREDENTIALS_FILE: missing,
    AWS_CONFIG_FILE: missing,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

/** The `cdk synth` arguments: the placeholder skill id unless one is given. */
export function synthArgs(extra: string[]): string[] {
  const args = ['synth', '--no-notices', '--no-version-reporting', '--quiet'];
  if (!extra.some((arg) => arg.startsWith(`${CONTEXT.skillId}=`))) {
    args.push(
      '-c',
      `${CONTEXT.skillId}=${PLACEHOLDER_SKILL_ID}`,
      '-c',
      `${CONTEXT.allowPlaceholderSkillId}=true`,
    );
  }
  return [...args, ...extra];
}

if (require.main === module) {
  const result = spawnSync(process.execPath, [CDK_CLI, ...synthArgs(process.argv.slice(2))], {
    cwd: INFRASTRUCTURE,
    env: offlineEnv(),
    stdio: 'inherit',
  });
  if (result.error) throw result.error;
  process.exitCode = result.status ?? 1;
  if (result.status === 0) console.log('cdk synth: the cloud assembly is in infrastructure/cdk.out (or -o)');
}

import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { validationError } from './errors';
import { knownRegions } from './region-services';

/**
 * Region names as AWS forms them: a partition prefix, a geography, a number
 * (`us-east-1`, `ap-southeast-2`, `us-gov-west-1`, `eusc-de-east-1`).
 */
const REGION_PATTERN = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/**
 * CloudFormation stack names: a letter, then letters, digits and hyphens, 128 characters at most.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
 */
const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/**
 * CodePipeline pipeline names: `[A-Za-z0-9.@\-_]+`, 100 characters at most.
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineDeclaration.html
 */
const PIPELINE_NAME_PATTERN = /^[A-Za-z0-9.@\-_]{1,100}$/;

/** Throws when `region` is a Token or not shaped like an AWS region name; returns a warning for unknown regions. */
export function validateRegion(region: string, what: string): string | undefined {
  if (Token.isUnresolved(region)) {
    throw new Error(`${what}: the region must be a literal region name such as 'eu-west-1', got an unresolved token (${region}). ` +
      'Cross-region artifact stores and actions are laid out at synth time.');
  }
  if (!REGION_PATTERN.test(region)) {
    throw new Error(`${what}: '${region}' is not a valid AWS region name; expected a name such as 'us-east-1', 'eu-west-1' or 'ap-southeast-2'.`);
  }
  const known = knownRegions();
  if (!known.has(region)) {
    return `${what}: region '${region}' is not among the regions aws-cdk-lib knows (${known.size} regions); check the spelling.`;
  }
  return undefined;
}

/**
 * Throws when `stackName` is a literal CloudFormation would reject. Change set names follow the same rule.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html
 */
export function validateStackName(stackName: string, what: string, kind = 'stack name'): void {
  if (Token.isUnresolved(stackName)) { return; }
  if (!STACK_NAME_PATTERN.test(stackName)) {
    throw new Error(`${what}: ${kind} '${stackName}' is not valid for CloudFormation; it must start with a letter, ` +
      'contain only letters, digits and hyphens, and be at most 128 characters long.');
  }
}

/** Throws when `path` cannot name a file inside a pipeline artifact. */
export function validateArtifactFilePath(path: string, what: string): void {
  if (Token.isUnresolved(path)) { return; }
  if (path.trim() === '') {
    throw new Error(`${what}: the template path is empty; give the path of the template file inside the build output (or the source), for example 'eu-west-1.template.yaml'.`);
  }
  if (path.startsWith('/') || path.includes('::') || path.split(/[\\/]/).includes('..')) {
    throw new Error(`${what}: template path '${path}' must be relative to the root of the artifact (no leading '/', no '::', no '..'), ` +
      'for example \'templates/app.yaml\'.');
  }
}

export function validatePipelineName(name: string, scope: IConstruct, what: string = 'pipelineName'): void {
  if (Token.isUnresolved(name)) { return; }
  if (!PIPELINE_NAME_PATTERN.test(name)) {
    throw validationError(`${what} '${name}' is not valid for CodePipeline; use 1 to 100 characters from A-Z, a-z, 0-9, '.', '@', '-' and '_'.`, scope);
  }
}

/**
 * `ARTIFACT_BUCKET_EU_WEST_1` for `eu-west-1`.
 */
export function artifactBucketVariableName(region: string): string {
  return `ARTIFACT_BUCKET_${region.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * CodeDeploy application and deployment group names: 1 to 100 characters from letters, digits,
 * `.`, `_`, `+`, `=`, `,`, `@` and `-`.
 * @see https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html
 */
const CODEDEPLOY_NAME_PATTERN = /^[A-Za-z0-9._+=,@-]{1,100}$/;

/** Throws when `name` is a literal CodeDeploy would reject as an application, group or configuration name. */
export function validateCodeDeployName(name: string | undefined, what: string, kind: string): void {
  if (name !== undefined && Token.isUnresolved(name)) { return; }
  if (name === undefined || name.trim() === '') {
    throw new Error(`${what}: the ${kind} is missing or empty; give the name of an existing CodeDeploy ${kind.replace(/ name$/, '')} in the target region.`);
  }
  if (!CODEDEPLOY_NAME_PATTERN.test(name)) {
    throw new Error(`${what}: ${kind} '${name}' is not valid for CodeDeploy; use 1 to 100 characters from letters, digits, '.', '_', '+', '=', ',', '@' and '-'.`);
  }
}

/** An action name fragment from any text: characters CodePipeline rejects in action names become '-'. */
export function actionNameFragment(text: string): string {
  return text.replace(/[^A-Za-z0-9.@\-_]/g, '-');
}

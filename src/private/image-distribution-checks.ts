import { Duration, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';

/*
 * The checks of a machine-image distribution's options (private/image-distribution.ts), each problem
 * a sentence naming the option, the value and what is valid.
 */

/**
 * The copy's timeout bounds, in minutes. CodeBuild accepts builds of 5 minutes to 36 hours (2,160
 * minutes; 480 in the China regions' quota table), but a copy runs as a CodeBuild action of the
 * pipeline, and AWS's documents disagree on how long CodePipeline lets such an action run: a
 * version of CodePipeline's quota page lists "CodeBuild build action and test action: 8 hours",
 * the current one no longer lists the CodeBuild action. A longer timeout could end with the action
 * failed while its build goes on, so the bound is the one that cannot fail: 8 hours.
 * @see https://docs.aws.amazon.com/codebuild/latest/userguide/limits.html
 * @see https://docs.amazonaws.cn/codepipeline/latest/userguide/limits.html (CodeBuild build action: 8 hours)
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html
 */
const MIN_TIMEOUT_MINUTES = 5;
const MAX_TIMEOUT_MINUTES = 480;

/** What the distribution is checked against. */
export interface DistributionPipelineFacts {
  readonly homeRegion: string;
  readonly hasBuild: boolean;
  /** Every target region, each once, in target order. */
  readonly targetRegions: string[];
}

/** The options of `MachineImageDistribution.fromBuild()` (machine-image.ts documents them). */
export interface DistributionOptions {
  readonly imageIdVariable: string;
  readonly parameterName: string;
  readonly keepImages?: number;
  readonly regions?: string[];
  readonly encrypted?: boolean;
  readonly kmsKeyArns?: { [region: string]: string };
  readonly timeout?: Duration;
  readonly maxParallelCopies?: number;
}

/**
 * Systems Manager parameter names: letters, digits, `_.-`, and `/` between hierarchy levels; a
 * hierarchical name starts with `/`; at most 15 levels and 1,011 characters; not starting with
 * `aws` or `ssm` (any case). Where the rule is ambiguous (is `/aws-tools/x` "prefixed with aws"?)
 * the stricter reading is taken: the first level may not start with `aws` or `ssm`.
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html
 */
function parameterNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 1011) { return `it has ${name.length} characters; Systems Manager accepts 1 to 1,011`; }
  if (!/^[A-Za-z0-9_.\-/]+$/.test(name)) { return 'it may contain only letters, digits, \'_\', \'.\', \'-\' and \'/\' (no spaces)'; }
  const levels = name.startsWith('/') ? name.slice(1).split('/') : name.split('/');
  if (levels.length > 1 && !name.startsWith('/')) { return 'a name with a hierarchy (\'/\') must start with \'/\', for example \'/service-x/image-id\''; }
  if (levels.some(level => level === '')) { return 'it has an empty level (\'//\' or a trailing \'/\')'; }
  if (levels.length > 15) { return `it has ${levels.length} levels; Systems Manager accepts at most 15`; }
  if (/^(aws|ssm)/i.test(levels[0])) { return 'names starting with \'aws\' or \'ssm\' (any case) are reserved by AWS'; }
  return undefined;
}

/**
 * The documents disagree on what the 1,011 characters count: PutParameter's reference says "the
 * maximum length for a parameter name that you specify is 1011 characters", CloudFormation's
 * `AWS::SSM::Parameter` says "the maximum length for a parameter name, including the full length of
 * the parameter ARN, is 1011 characters" (`arn:aws:ssm:us-east-2:111222333444:parameter/ExampleParameterName`
 * counts 65, not 20). The stricter reading cannot fail: the name's ARN in every region that gets
 * the parameter must fit in 1,011 characters (an account ID has 12 digits, so an unresolved
 * account is counted as 12).
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html (Name)
 */
function checkParameterArnLength(name: string, regions: string[], problems: string[]): void {
  if (Token.isUnresolved(name) || parameterNameProblem(name) !== undefined) { return; }
  for (const region of regions) {
    if (Token.isUnresolved(region)) { continue; }
    const arn = `arn:${RegionInfo.get(region).partition ?? 'aws'}:ssm:${region}:${'0'.repeat(12)}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
    if (arn.length > 1011) {
      problems.push(`parameterName '${name.slice(0, 40)}...' (${name.length} characters) is too long for Systems Manager in ${region}: ` +
        `its ARN there has ${arn.length} characters, and the name's limit of 1,011 counts the whole ARN; shorten it by ${arn.length - 1011}`);
      return;
    }
  }
}

/** Exported build variables: shell variable names, at most 128 characters, not CodeBuild's own. */
const VARIABLE_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** KMS key ARNs: `arn:<partition>:kms:<region>:<account>:key/<key id>` (multi-Region keys start with `mrk-`). */
const KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * Every problem of `options` for this pipeline, and the regions that receive a copy: the pipeline's
 * region first, then the others in target order.
 */
export function distributionProblems(options: DistributionOptions, pipeline: DistributionPipelineFacts): { problems: string[]; regions: string[] } {
  const problems: string[] = [];
  if (!pipeline.hasBuild) {
    problems.push('machineImage distributes the image the build bakes, but the pipeline has no build; add a `buildStep` that bakes the image and exports its ID');
  }
  checkValues(options, problems);
  const regions = distributionRegions(options, pipeline, problems);
  checkParameterArnLength(options.parameterName, regions, problems);
  checkKeys(options.kmsKeyArns ?? {}, regions, problems);
  return { problems, regions };
}

/** The values that need no pipeline: the variable, the parameter name, the numbers, the timeout. */
function checkValues(options: DistributionOptions, problems: string[]): void {
  const variable = options.imageIdVariable;
  if (!VARIABLE_PATTERN.test(variable) || variable.toUpperCase().startsWith('CODEBUILD_')) {
    problems.push(`imageIdVariable '${variable}' is not a name the build can export; use a shell variable name (a letter or '_', then letters, digits and '_', ` +
      'at most 128 characters, not starting with CODEBUILD_), as listed under `env.exported-variables` in the buildspec');
  }
  if (Token.isUnresolved(options.parameterName)) {
    problems.push('parameterName must be a literal name (the copies, the IAM policy and the plan are named after it), got an unresolved token');
  } else {
    const problem = parameterNameProblem(options.parameterName);
    if (problem) { problems.push(`parameterName '${options.parameterName}' is not a name Systems Manager accepts: ${problem}`); }
  }
  const keep = options.keepImages ?? 3;
  if (!Token.isUnresolved(keep) && (!Number.isInteger(keep) || keep < 1)) {
    problems.push(`keepImages ${keep} is not valid; keep a whole number of at least 1 image per region (the one the parameter names)`);
  }
  const maxParallel = options.maxParallelCopies;
  if (maxParallel !== undefined && !Token.isUnresolved(maxParallel) && (!Number.isInteger(maxParallel) || maxParallel < 1)) {
    problems.push(`maxParallelCopies ${maxParallel} is not valid; give a whole number of at least 1 (or leave it out to copy to every region at once)`);
  }
  const timeout = options.timeout ?? Duration.hours(3);
  if (!Token.isUnresolved(timeout.toSeconds())) {
    const minutes = timeout.toSeconds() / 60;
    if (!Number.isInteger(minutes) || minutes < MIN_TIMEOUT_MINUTES || minutes > MAX_TIMEOUT_MINUTES) {
      problems.push(`timeout ${timeout.toString()} is not valid; give whole minutes from ${MIN_TIMEOUT_MINUTES} to ${MAX_TIMEOUT_MINUTES} (8 hours: ` +
        'CodeBuild allows longer builds, but CodePipeline has been documented to end a CodeBuild action after 8 hours)');
    }
  }
}

/** The pipeline's region, then the regions that receive the image (every target region by default). */
function distributionRegions(options: DistributionOptions, pipeline: DistributionPipelineFacts, problems: string[]): string[] {
  const asked = options.regions ?? pipeline.targetRegions;
  if (options.regions !== undefined && options.regions.length === 0) {
    problems.push('regions is empty; leave it out to distribute to every target region');
  }
  const duplicates = asked.filter((region, i) => asked.indexOf(region) !== i);
  if (duplicates.length > 0) {
    problems.push(`regions names ${[...new Set(duplicates)].join(', ')} more than once`);
  }
  const home = RegionInfo.get(pipeline.homeRegion).partition;
  for (const region of new Set(asked)) {
    if (Token.isUnresolved(region)) {
      problems.push('regions must be literal region names, got an unresolved token');
      continue;
    }
    const partition = RegionInfo.get(region).partition;
    if (partition && home && partition !== home) {
      // CopyImage copies within a partition only (CreateStoreImageTask crosses partitions)
      // @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopyImage.html
      problems.push(`region ${region} cannot receive copies: it is in the partition ${partition}, the pipeline in ${home}, and EC2 copies images within a partition only`);
    } else if (!pipeline.targetRegions.includes(region)) {
      problems.push(`region ${region} in regions is not a target region of the pipeline (${pipeline.targetRegions.join(', ') || 'none yet'}); ` +
        'the image goes to the regions that deploy it');
    }
  }
  return [pipeline.homeRegion, ...[...new Set(asked)].filter(region => region !== pipeline.homeRegion)];
}

function checkKeys(keys: { [region: string]: string }, regions: string[], problems: string[]): void {
  for (const [region, arn] of Object.entries(keys)) {
    if (!regions.includes(region)) {
      problems.push(`kmsKeyArns names region ${region}, which receives no copy (${regions.join(', ')})`);
      continue;
    }
    if (Token.isUnresolved(arn)) { continue; }
    const match = KEY_ARN_PATTERN.exec(arn);
    if (!match) {
      problems.push(`kmsKeyArns['${region}'] '${arn}' is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>); aliases cannot be granted by IAM policies`);
    } else if (match[1] !== region) {
      problems.push(`kmsKeyArns['${region}'] '${arn}' is a key in ${match[1]}; EBS encrypts a region's copies with a key in that region`);
    }
  }
}


import { createHash } from 'crypto';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';
import { validationError } from './errors';
import { imageCopyScript } from './image-copy-script';
import { explainImageDistribution, explainProjectWithoutKey } from './nag';
import { BindContext, PipelinePlugin, PluginBinding } from './protocol';

/*
 * The machine-image distribution: one CodeBuild project in the pipeline's region, run by one
 * CodeBuild action per region in a `Distribute` stage between the leading stages (source, build,
 * validation) and the deploy stages. Each action copies the build's image to its region with the
 * AWS CLI (private/image-copy-script.ts), so the copy needs neither CodePipeline nor CodeBuild in
 * that region: EC2 and Systems Manager are offered in every region (private/region-services.ts
 * lists no region without them, and the library does not track them).
 *
 * Why CodeBuild and the CLI: CopyImage, its waiter and PutParameter are plain API calls; a
 * CodeBuild action runs them in a pipeline action's lifetime with its logs in the pipeline, with no
 * Lambda function polling for hours. EC2 Image Builder's distribution settings do the same for
 * images Image Builder builds, but not for an image baked elsewhere (Packer), which is what the
 * build hands over here.
 *
 * The pipeline's own region gets a copy too (a same-region CopyImage): every image the parameters
 * name is then owned by the account and tagged by the distribution, and retention only ever
 * deregisters the distribution's own copies, never the build's image (which may be a public or
 * shared one, as in the integration test).
 */

/** CodeBuild's timeout bounds, in minutes. @see https://docs.aws.amazon.com/codebuild/latest/userguide/limits.html */
const MIN_TIMEOUT_MINUTES = 5;
const MAX_TIMEOUT_MINUTES = 2160;

/** The tag key that marks the distribution's copies (its value: the distribution's ID). */
export const DISTRIBUTION_TAG_KEY = 'multi-region-delivery:distribution';

/** The name of the stage that holds the distribution. */
export const DISTRIBUTE_STAGE = 'Distribute';

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

/** A checked distribution: what the layout and the binding need. */
export interface CheckedDistribution {
  /** The regions that receive a copy: the pipeline's region first, then the others in target order. */
  readonly regions: string[];
  /** The plug-in that renders the `Distribute` stage's actions. */
  readonly plugin: PipelinePlugin;
  /** What the plan says of each region's action. */
  readonly detail: string;
  /** How many regions copy at once (run orders of that many actions each); undefined for all at once. */
  readonly maxParallel?: number;
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

/** Exported build variables: shell variable names, at most 128 characters, not CodeBuild's own. */
const VARIABLE_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** KMS key ARNs: `arn:<partition>:kms:<region>:<account>:key/<key id>` (multi-Region keys start with `mrk-`). */
const KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;

/** Checks `options` against the pipeline; throws a validation error naming every problem. */
export function checkDistribution(options: DistributionOptions, scope: IConstruct, owner: string,
  pipeline: DistributionPipelineFacts): CheckedDistribution {
  const problems: string[] = [];
  if (!pipeline.hasBuild) {
    problems.push('machineImage distributes the image the build bakes, but the pipeline has no build; add a `buildStep` that bakes the image and exports its ID');
  }
  checkValues(options, problems);
  const regions = distributionRegions(options, pipeline, problems);
  checkKeys(options.kmsKeyArns ?? {}, regions, problems);
  if (problems.length > 0) {
    throw validationError(`${owner}: ${problems.join('; ')}.`, scope);
  }
  const keep = options.keepImages ?? 3;
  const settings: DistributionSettings = {
    imageIdVariable: options.imageIdVariable,
    parameterName: options.parameterName,
    keepImages: keep,
    regions,
    encrypted: options.encrypted ?? false,
    kmsKeyArns: options.kmsKeyArns ?? {},
    timeout: options.timeout ?? Duration.hours(3),
  };
  return {
    regions,
    plugin: new ImageDistributionPlugin(settings),
    detail: `copy of #{Build.${options.imageIdVariable}} from ${pipeline.homeRegion}, parameter ${options.parameterName}, keep ${keep}`,
    maxParallel: options.maxParallelCopies,
  };
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
      problems.push(`timeout ${timeout.toString()} is not valid; CodeBuild accepts whole minutes from ${MIN_TIMEOUT_MINUTES} to ${MAX_TIMEOUT_MINUTES} (36 hours)`);
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

/** The checked options. */
interface DistributionSettings {
  readonly imageIdVariable: string;
  readonly parameterName: string;
  readonly keepImages: number;
  readonly regions: string[];
  readonly encrypted: boolean;
  readonly kmsKeyArns: { [region: string]: string };
  readonly timeout: Duration;
}

/**
 * The distribution's plug-in, bound once per region of the `Distribute` stage: the first binding
 * creates the project (for every region at once), each returns its region's action.
 */
class ImageDistributionPlugin implements PipelinePlugin {
  constructor(private readonly settings: DistributionSettings) {}

  public _bind(context: BindContext): PluginBinding {
    const project = (context.scope.node.tryFindChild('Project') as codebuild.PipelineProject | undefined) ?? this.project(context);
    const sourceRevision = context.source.variables.SOURCE_COMMIT_ID ?? context.source.variables.SOURCE_VERSION_ID ?? 'unknown';
    return {
      project,
      actions: context.steps.map(named => {
        const region = regionOfAction(named.actionName);
        const key = this.settings.kmsKeyArns[region];
        return new actions.CodeBuildAction({
          actionName: named.actionName,
          runOrder: named.step.runOrder,
          project,
          input: context.artifacts.build!,
          role: context.roles.stageActionRole,
          environmentVariables: {
            TARGET_REGION: { value: region },
            // the build action's namespace is `Build` (pipeline-build.ts); its exported variables are `#{Build.<name>}`
            // @see https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html
            SOURCE_IMAGE_ID: { value: `#{Build.${this.settings.imageIdVariable}}` },
            EXECUTION_ID: { value: '#{codepipeline.PipelineExecutionId}' },
            SOURCE_REVISION: { value: sourceRevision },
            KMS_KEY_ID: { value: key ?? '' },
          },
        });
      }),
    };
  }

  private project(context: BindContext): codebuild.PipelineProject {
    const stack = Stack.of(context.scope);
    const settings = this.settings;
    const distributionId = createHash('sha256')
      .update(JSON.stringify([stack.account, context.homeRegion, context.scope.node.path, settings.parameterName])).digest('hex').slice(0, 16);
    const encryptionKey = context.stores.key(context.homeRegion);
    const project = new codebuild.PipelineProject(context.scope, 'Project', {
      description: `Copies the build's machine image to ${settings.regions.join(', ')} and names each copy in ${settings.parameterName}`,
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        env: { shell: 'bash' },
        phases: { build: { commands: [imageCopyScript()] } },
      }),
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
      environmentVariables: {
        SOURCE_REGION: { value: context.homeRegion },
        PARAMETER_NAME: { value: settings.parameterName },
        KEEP_IMAGES: { value: String(settings.keepImages) },
        TAG_KEY: { value: DISTRIBUTION_TAG_KEY },
        DISTRIBUTION_ID: { value: distributionId },
        IMAGE_NAME_PREFIX: { value: `${settings.parameterName.replace(/^\//, '').slice(0, 100)}.` },
        ENCRYPTED: { value: String(settings.encrypted) },
      },
      timeout: settings.timeout,
      encryptionKey,
    });
    if (!encryptionKey) {
      explainProjectWithoutKey(project, 'The distribution reads the build output from');
    }
    grantDistribution(project, context.homeRegion, settings, distributionId);
    explainImageDistribution(project.role as iam.Role, settings.regions);
    return project;
  }
}

/** The region of a `Distribute` action, from its name (`<region>.CopyImage`, private/layout.ts). */
function regionOfAction(actionName: string): string {
  return actionName.slice(0, actionName.lastIndexOf('.'));
}

/**
 * The distribution's permissions, region by region:
 * - `ec2:CopyImage` on the source image and its snapshots in the pipeline's region and on the new
 *   image and snapshots in the region, in a request to that region (`aws:RequestedRegion`). Since
 *   October 2024 CopyImage is authorized on the source image as well as on the copy, so the image
 *   ARNs of the pipeline's region are the source-region limit (no EC2 condition key names the
 *   source region);
 * - `ec2:CreateTags` only within CopyImage (`ec2:CreateAction`), to tag the copy and its snapshots
 *   at creation;
 * - `ec2:DeregisterImage` and `ec2:DeleteSnapshot` only on resources tagged with the distribution's
 *   ID (`aws:ResourceTag`), so retention can touch nothing else;
 * - `ec2:DescribeImages`, which supports no resource-level permissions (`*`, explained in nag.ts);
 * - `ssm:PutParameter` and `ssm:GetParameter` on exactly the parameter, in each region;
 * - on the named KMS keys, what EBS encryption requires (CreateGrant only for AWS resources).
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/copy-ami-permissions.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html (aws:RequestedRegion, aws:ResourceTag)
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html
 */
function grantDistribution(project: codebuild.PipelineProject, homeRegion: string, settings: DistributionSettings, distributionId: string): void {
  const stack = Stack.of(project);
  const ec2Arn = (region: string, resource: 'image' | 'snapshot') =>
    stack.formatArn({ service: 'ec2', region, account: '', resource, resourceName: '*' });
  const both = (region: string) => [ec2Arn(region, 'image'), ec2Arn(region, 'snapshot')];
  for (const region of settings.regions) {
    project.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ec2:CopyImage'],
      resources: [...new Set([...both(homeRegion), ...both(region)])],
      conditions: { StringEquals: { 'aws:RequestedRegion': region } },
    }));
  }
  project.addToRolePolicy(new iam.PolicyStatement({
    actions: ['ec2:CreateTags'],
    resources: settings.regions.flatMap(both),
    conditions: { StringEquals: { 'ec2:CreateAction': 'CopyImage' } },
  }));
  project.addToRolePolicy(new iam.PolicyStatement({
    actions: ['ec2:DeregisterImage', 'ec2:DeleteSnapshot'],
    resources: settings.regions.flatMap(both),
    conditions: { StringEquals: { [`aws:ResourceTag/${DISTRIBUTION_TAG_KEY}`]: distributionId } },
  }));
  project.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeImages'], resources: ['*'] }));
  project.addToRolePolicy(new iam.PolicyStatement({
    actions: ['ssm:PutParameter', 'ssm:GetParameter'],
    resources: settings.regions.map(region => stack.formatArn({
      service: 'ssm', region, resource: 'parameter', resourceName: settings.parameterName.replace(/^\//, ''),
    })),
  }));
  const keys = Object.values(settings.kmsKeyArns);
  if (keys.length > 0) {
    project.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      resources: keys,
    }));
    project.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:CreateGrant'],
      resources: keys,
      conditions: { Bool: { 'kms:GrantIsForAWSResource': true } },
    }));
  }
}


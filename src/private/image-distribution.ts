import { createHash } from 'crypto';
import { Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { validationError } from './errors';
import { imageCopyScript } from './image-copy-script';
import { DistributionOptions, DistributionPipelineFacts, distributionProblems } from './image-distribution-checks';
import { explainImageDistribution, explainProjectWithoutKey } from './nag';
import { BindContext, NamedStep, PipelinePlugin, PluginBinding, StageActionRole } from './protocol';
import { PlannedActionKind } from '../deployment-plan';

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

/** The tag key that marks the distribution's copies (its value: the distribution's ID). */
export const DISTRIBUTION_TAG_KEY = 'multi-region-delivery:distribution';

/** A checked distribution: the placements of the `Distribute` stage (private/layout.ts). */
export interface CheckedDistribution {
  /** The regions that receive a copy: the pipeline's region first, then the others in target order. */
  readonly regions: string[];
  /** One placement per region: the plug-in, and the region's action `<region>.CopyImage`. */
  readonly placements: DistributionPlacement[];
}

/** A region's action in the `Distribute` stage, as the layout places it (a `Placement`). */
export interface DistributionPlacement {
  readonly plugin: PipelinePlugin;
  readonly scopePath: string[];
  readonly region: string;
  readonly steps: NamedStep[];
}

/** Checks `options` against the pipeline; throws a validation error naming every problem. */
export function checkDistribution(options: DistributionOptions, scope: IConstruct, owner: string,
  pipeline: DistributionPipelineFacts): CheckedDistribution {
  const { problems, regions } = distributionProblems(options, pipeline);
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
  const plugin = new ImageDistributionPlugin(settings);
  const detail = `copy of #{Build.${options.imageIdVariable}} from ${pipeline.homeRegion}, parameter ${options.parameterName}, keep ${keep}`;
  const batch = options.maxParallelCopies;
  return {
    regions,
    // all in run order 1, or in batches of `maxParallelCopies` (one run order each), the pipeline's
    // region first; each a CodeBuild action in the pipeline's region (the `codebuild` route). Each
    // action starts one copy in its own region, far below EC2's limit of 300 concurrent AMI copy
    // operations per destination region (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/how-ami-copy-works.html);
    // the concurrent builds of the account (CodeBuild's quota) are what `maxParallelCopies` spares
    placements: regions.map((region, i) => ({
      plugin,
      scopePath: ['MachineImage'],
      region,
      steps: [{
        step: { name: 'CopyImage', kind: PlannedActionKind.DISTRIBUTE_IMAGE, runOrder: batch ? Math.floor(i / batch) + 1 : 1, detail, route: 'codebuild' },
        actionName: `${region}.CopyImage`,
      }],
    })),
  };
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
    const existing = context.scope.node.tryFindChild('Project') as codebuild.PipelineProject | undefined;
    const project = existing ?? this.project(context);
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
      // once, with the project: the deploy stages' roles read the parameter
      afterAllStages: existing ? undefined : stages => this.grantParameterReads(context, stages),
    };
  }

  /**
   * CloudFormation resolves a template parameter of type `AWS::SSM::Parameter::Value<...>` when the
   * change set is created, with the permissions of the caller (the stage's action role) as well as
   * the deployment role it passes (aws-cdk's bootstrap grants its deploy role `ssm:GetParameters` on
   * the version parameter for this reason): each deploy stage's action role, and each route's project
   * role (which calls CloudFormation itself), may read the parameter in the regions it deploys to. The
   * deployment role is the user's (`deploymentManagedPolicies`).
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/systems-manager-parameter-types.html
   */
  private grantParameterReads(context: BindContext, stages: StageActionRole[]): void {
    const own = context.roles.stageActionRole;
    for (const stage of stages) {
      const regions = stage.regions.filter(region => this.settings.regions.includes(region));
      if (stage.actionRole === own || regions.length === 0) { continue; }
      stage.actionRole.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['ssm:GetParameters'],
        resources: regions.map(region => parameterArn(Stack.of(context.scope), region, this.settings.parameterName)),
      }));
    }
  }

  private project(context: BindContext): codebuild.PipelineProject {
    const stack = Stack.of(context.scope);
    const settings = this.settings;
    const distributionId = createHash('sha256')
      .update(JSON.stringify([stack.account, context.homeRegion, context.scope.node.path, settings.parameterName])).digest('hex').slice(0, 16);
    const encryptionKey = context.stores.key(context.homeRegion);
    const project = new codebuild.PipelineProject(context.scope, 'Project', {
      // its buildspec has no `reports` section, so it creates no test report group: no report-group permissions
      // @see https://docs.aws.amazon.com/codebuild/latest/userguide/test-report-group-naming.html
      grantReportGroupPermissions: false,
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

/** The ARN of the parameter in `region` (a hierarchical name's leading `/` is the ARN's `parameter/`). */
function parameterArn(stack: Stack, region: string, name: string): string {
  return stack.formatArn({ service: 'ssm', region, resource: 'parameter', resourceName: name.replace(/^\//, '') });
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
    resources: settings.regions.map(region => parameterArn(stack, region, settings.parameterName)),
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


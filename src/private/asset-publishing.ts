import { Duration } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { StageAssembly } from './cdk-assembly';
import { explainDockerPublishing, explainProjectWithoutKey } from './nag';
import { BindContext, NamedStep } from './protocol';

/*
 * Publishing a stage's assets (Lambda code, files, container images) to its region's bootstrap
 * bucket and repository, with aws-cdk's own tool, cdk-assets, reading the asset manifests of the
 * cloud assembly that the build wrote. One CodeBuild action per target region publishes every asset
 * of the stage (lessons of CDK Pipelines: one action per asset hits CodeBuild's concurrent-build
 * limit, aws-cdk #17744), and the buildspec holds one command per stack, never one per asset, so
 * it does not grow with the assets (aws-cdk #14974). cdk-assets skips an asset already present at
 * its destination, so each asset is uploaded once per region.
 * @see https://github.com/cdklabs/cdk-assets (CLI: `cdk-assets --path <manifest> publish [ASSET[:DEST]..]`)
 */

/**
 * The cdk-assets release the publishing step installs unless told otherwise (the registry's latest
 * on 2026-12-01; it bundles its dependencies and needs Node.js 18 or later).
 */
export const DEFAULT_CDK_ASSETS_VERSION = '4.7.3';

/**
 * How long publishing may take: building container images can take many minutes; CodeBuild allows
 * 5 to 2,160 minutes.
 * @see https://docs.aws.amazon.com/codebuild/latest/userguide/limits.html
 */
const PUBLISH_TIMEOUT = Duration.hours(1);

/** What one stage publishes. */
export interface AssetPublishing {
  readonly assembly: StageAssembly;
  readonly cdkAssetsVersion: string;
}

/**
 * The publishing step of a stage: a CodeBuild project of the target's own (`<target>/PublishAssets`)
 * in the region of the pipeline that runs it, whose role may assume exactly the publishing roles the
 * manifests name, and nothing else beyond reading the build output. cdk-assets uploads to each
 * destination's own region, so in the single pipeline the project runs in the pipeline's region for
 * every target region; in a regional pipeline (`DeliveryTopology.regionalPipelines()`) it is in the
 * regional pipeline's stack and region, the target's, and reads the release from that region's store,
 * so no action leaves the region. Either way it is one project per CDK stage: a project costs nothing
 * while idle (CodeBuild bills build minutes), plus its role and its log group's stored logs.
 * @see https://aws.amazon.com/codebuild/pricing/
 * @see https://aws.amazon.com/blogs/devops/strategies-to-optimize-the-costs-of-your-builds-on-aws-codebuild/
 */
export function publishingAction(context: BindContext, named: NamedStep, publishing: AssetPublishing): codepipeline.IAction {
  const { assembly } = publishing;
  const manifests = assembly.stacks.flatMap(stack => stack.assetManifestPath ? [stack.assetManifestPath] : []);
  const images = assembly.assets.imageAssets > 0;
  const encryptionKey = context.stores.key(context.homeRegion);
  const project = new codebuild.PipelineProject(context.scope, 'PublishAssets', {
    // its buildspec has no `reports` section, so it creates no test report group: no report-group permissions
    // @see https://docs.aws.amazon.com/codebuild/latest/userguide/test-report-group-naming.html
    grantReportGroupPermissions: false,
    description: `Publishes the assets of stage ${assembly.stageName} to ${assembly.region} (cdk-assets ${publishing.cdkAssetsVersion})`,
    environment: {
      buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
      computeType: codebuild.ComputeType.SMALL,
      // cdk-assets builds container images with the Docker daemon, which CodeBuild runs only in privileged mode
      // @see https://docs.aws.amazon.com/codebuild/latest/userguide/sample-docker.html
      privileged: images,
    },
    buildSpec: codebuild.BuildSpec.fromObject({
      version: '0.2',
      phases: {
        install: { commands: [`npm install --global --no-fund --no-audit cdk-assets@${publishing.cdkAssetsVersion}`] },
        build: { commands: manifests.map(manifest => `cdk-assets --path "${manifest}" publish`) },
      },
    }),
    timeout: PUBLISH_TIMEOUT,
    encryptionKey,
  });
  if (!encryptionKey) {
    explainProjectWithoutKey(project, 'The asset publishing project reads the build output from');
  }
  if (images) {
    explainDockerPublishing(project);
  }
  if (assembly.assets.publishingRoleArns.length > 0) {
    project.addToRolePolicy(new iam.PolicyStatement({
      actions: ['sts:AssumeRole'],
      resources: assembly.assets.publishingRoleArns,
    }));
  }
  return new actions.CodeBuildAction({
    actionName: named.actionName,
    runOrder: named.step.runOrder,
    project,
    input: context.artifacts.templates,
    // the stage's shared action role starts the build, as the deploy actions' role does theirs
    role: context.roles.stageActionRole,
  });
}

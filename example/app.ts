/**
 * The three-region example pipeline (example/main.ts synthesizes and prints it; the README's plan
 * diagrams are drawn from it), and the same targets as regional pipelines (example/regional.ts).
 */
import { App, CfnCapabilities, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  DeliveryTopology, DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget, Rollout, TemplateValidation,
} from '../src';

/**
 * The example app, synthesizing into `outdir`, and its pipeline. With `regional`, the same targets
 * as regional pipelines (`DeliveryTopology.regionalPipelines()`): each region deploys on its own, as
 * soon as the release arrives and its window opens, so there are no waves (a canary goes first by
 * its window instead).
 */
export function exampleApp(outdir: string, options: { regional?: boolean } = {}): { app: App; pipeline: MultiRegionDeliveryPipeline } {
  const app = new App({ outdir });
  const stack = new Stack(app, 'DeliveryPipeline', { env: { account: '111111111111', region: 'us-west-2' } });

  const sourceBucket = new s3.Bucket(stack, 'SourceBucket', {
    versioned: true,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  });

  const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket, objectKey: 'service-x/source.zip' }),
    buildStep: PipelineBuild.codeBuild({
      // package the template once per region, into that region's artifact store
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        phases: {
          build: {
            commands: [
              'for region in $TARGET_REGIONS; do ' +
                'var="ARTIFACT_BUCKET_$(echo $region | tr a-z- A-Z_)"; ' +
                'aws cloudformation package --region "$region" --template-file template.yaml ' +
                '--s3-bucket "$(printenv $var)" --output-template-file "$region.template.yaml"; ' +
              'done',
            ],
          },
        },
        artifacts: { files: ['*.template.yaml', 'network.yaml'] },
      }),
    }),
    // cfn-lint and CloudFormation Guard check every template before any region is touched
    validation: TemplateValidation.cfnLintAndGuard(),
    // a failed region is rolled back to its last successful deployment
    defaultGates: { rollbackOnFailure: true },
    ...(options.regional
      ? { topology: DeliveryTopology.regionalPipelines() }
      : {
        // us-east-1 goes first, and is watched for 30 minutes before the other regions may start
        rollout: Rollout.waves([
          { name: 'canary', regions: ['us-east-1'], bakeTime: Duration.minutes(30) },
          { name: 'rest' },
        ]),
      }),
    targets: [
      RegionTarget.cloudFormation({
        region: 'us-east-1',
        stackName: 'service-x',
        templatePath: 'us-east-1.template.yaml',
        capabilities: [CfnCapabilities.AUTO_EXPAND, CfnCapabilities.NAMED_IAM],
        gates: {
          rollbackOnFailure: true,
          alarms: [cloudwatch.Alarm.fromAlarmArn(stack, 'CanaryErrors', 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:service-x-errors')],
        },
      }),
      // follow the night: Sydney's night comes first, then Dublin's
      RegionTarget.cloudFormation({
        region: 'ap-southeast-2',
        stackName: 'service-x',
        templatePath: 'ap-southeast-2.template.yaml',
        capabilities: [CfnCapabilities.AUTO_EXPAND, CfnCapabilities.NAMED_IAM],
        window: DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Australia/Sydney' }),
      }),
      RegionTarget.cloudFormation({
        region: 'eu-west-1',
        stackName: 'service-x',
        templatePath: 'eu-west-1.template.yaml',
        capabilities: [CfnCapabilities.AUTO_EXPAND, CfnCapabilities.NAMED_IAM],
        infrastructure: { stackName: 'service-x-network', templatePath: 'network.yaml' },
        approval: true,
        window: DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', 'Europe/Dublin'),
      }),
    ],
  });
  return { app, pipeline };
}

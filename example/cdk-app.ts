/**
 * The CDK-app variant of the example (example/app.ts): the same three regions, waves and windows,
 * but the service is the app's own CDK stacks, one Stage per region, delivered with
 * `RegionTarget.cdkStage()` after the build synthesizes the app (`PipelineBuild.cdkSynth()`).
 *
 * `npx ts-node example/cdk-app.ts` synthesizes it into example/cdk-app/cdk.out and prints the plan.
 */
import * as path from 'path';
import { App, Duration, Stack, Stage } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget, Rollout, TemplateValidation } from '../src';

const ACCOUNT = '111111111111';

/** The service: a function with code (a file asset, published to each region before it deploys). */
class ServiceStack extends Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id, { stackName: 'service-x' });
    new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'cdk-app-handler')),
    });
  }
}

/** The service's stage in `region`. */
function serviceStage(app: App, id: string, region: string): Stage {
  const stage = new Stage(app, id, { env: { account: ACCOUNT, region } });
  new ServiceStack(stage, 'Service');
  return stage;
}

/** The example app, synthesizing into `outdir`, and its pipeline. */
export function cdkExampleApp(outdir: string): { app: App; pipeline: MultiRegionDeliveryPipeline } {
  const app = new App({ outdir });
  const stack = new Stack(app, 'DeliveryPipeline', { env: { account: ACCOUNT, region: 'us-west-2' } });
  const sourceBucket = new s3.Bucket(stack, 'SourceBucket', {
    versioned: true,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  });
  const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket, objectKey: 'service-x/source.zip' }),
    // the build runs this very app; its cloud assembly holds every stage's templates and assets
    buildStep: PipelineBuild.cdkSynth({ commands: ['npm ci', 'npx cdk synth'] }),
    validation: TemplateValidation.cfnLintAndGuard(),
    defaultGates: { rollbackOnFailure: true },
    rollout: Rollout.waves([
      { name: 'canary', regions: ['us-east-1'], bakeTime: Duration.minutes(30) },
      { name: 'rest' },
    ]),
    targets: [
      RegionTarget.cdkStage(serviceStage(app, 'UsEast1', 'us-east-1'), {
        gates: {
          rollbackOnFailure: true,
          alarms: [cloudwatch.Alarm.fromAlarmArn(stack, 'CanaryErrors', `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:service-x-errors`)],
        },
      }),
      RegionTarget.cdkStage(serviceStage(app, 'ApSoutheast2', 'ap-southeast-2'), {
        window: DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Australia/Sydney' }),
      }),
      RegionTarget.cdkStage(serviceStage(app, 'EuWest1', 'eu-west-1'), {
        approval: true,
        window: DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', 'Europe/Dublin'),
      }),
    ],
  });
  return { app, pipeline };
}

if (require.main === module) {
  const { app, pipeline } = cdkExampleApp(path.join(__dirname, 'cdk-app', 'cdk.out'));
  app.synth();
  console.log(pipeline.plan.toTable());
}

/**
 * The three-region example pipeline: synthesizes the app into example/cdk.out and prints the
 * deployment plan. Run it with `npx projen example`.
 */
import * as path from 'path';
import { App, CfnCapabilities, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget, TemplateValidation,
} from '../src';

const app = new App({ outdir: `${__dirname}/cdk.out` });
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
  targets: [
    RegionTarget.cloudFormation({
      region: 'us-east-1',
      stackName: 'service-x',
      templatePath: 'us-east-1.template.yaml',
      capabilities: [CfnCapabilities.AUTO_EXPAND, CfnCapabilities.NAMED_IAM],
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

const assembly = app.synth();
console.log(`Synthesized ${assembly.stacks.length} stacks into ${path.relative(process.cwd(), assembly.directory)}:`);
for (const s of assembly.stacks) {
  console.log(`  ${s.stackName.padEnd(52)} ${s.environment.region}`);
}
const plan = pipeline.plan;
console.log(`\nDeployment plan (critical path: ${plan.criticalPath} sequential steps)\n`);
console.log(plan.toTable());
const now = process.env.RELEASE_START ? new Date(process.env.RELEASE_START) : new Date();
console.log(`If a release started now (${now.toISOString()}), each stage would start at the earliest:\n`);
console.log(plan.toScheduleTable(now));

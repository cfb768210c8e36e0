/**
 * Integration test: a pipeline with a CodeConnections source whose V2 trigger starts it only on
 * pushes to the branch that change `templates/**` (a push that changes only `docs/**` does not),
 * delivering the repository's `templates/template.yaml` to us-east-1 and eu-west-1.
 *
 * CloudFormation can create a connection but not authorize it (the handshake with the provider
 * happens in the console), so the connection and the repository come from the environment:
 *   CDK_INTEG_CONNECTION_ARN         an AVAILABLE connection in us-west-2
 *   CDK_INTEG_CONNECTION_REPOSITORY  `owner/repo` reachable through it, holding `templates/template.yaml`
 *   CDK_INTEG_CONNECTION_BRANCH      the branch (default `main`)
 * The snapshot is made with the placeholders below.
 *
 * A real run (`npx projen integ:deploy`) needs a human: after the stacks are deployed, push a commit
 * that changes a file under `templates/` to the branch. The last assertion waits (up to 30 minutes)
 * for an execution started by that push (a webhook trigger, not the pipeline's creation).
 *
 * Clean-up: integ-runner destroys the stacks of this app; the target stacks the pipeline itself
 * deploys (`integ-connection-source-target` in us-east-1 and eu-west-1) must be deleted by hand.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration, Stack } from 'aws-cdk-lib';
import { INTEG_ACCOUNT, INTEG_HOME_REGION, integApp } from './integ-app';
import { MultiRegionDeliveryPipeline, PipelineSource, RegionTarget } from '../src';

const app = integApp();
const env = { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION };

const PIPELINE_NAME = 'integ-connection-source';
const CONNECTION_ARN = process.env.CDK_INTEG_CONNECTION_ARN
  ?? 'arn:aws:codeconnections:us-west-2:111111111111:connection/00000000-0000-0000-0000-000000000000';
const REPOSITORY = process.env.CDK_INTEG_CONNECTION_REPOSITORY ?? 'my-org/integ-delivery-pipeline';
const BRANCH = process.env.CDK_INTEG_CONNECTION_BRANCH ?? 'main';

const stack = new Stack(app, 'ConnectionSourcePipeline', { env });
new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source: PipelineSource.connection(REPOSITORY, BRANCH, {
    connectionArn: CONNECTION_ARN,
    filePathsIncludes: ['templates/**'],
    filePathsExcludes: ['docs/**'],
  }),
  // no build: the targets read the template from the source
  targets: ['us-east-1', 'eu-west-1'].map(region => RegionTarget.cloudFormation({
    region,
    stackName: 'integ-connection-source-target',
    templatePath: 'templates/template.yaml',
  })),
});

const assertionStack = new Stack(app, 'ConnectionSourceAssertions', { env });
const integ = new IntegTest(app, 'ConnectionSource', {
  testCases: [stack],
  assertionStack,
});

// The deployed pipeline carries the trigger with its push filter.
// @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GetPipeline.html
// @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GitConfiguration.html
const getPipeline = integ.assertions.awsApiCall('CodePipeline', 'getPipeline', { name: PIPELINE_NAME })
  .expect(ExpectedResult.objectLike({
    pipeline: {
      name: PIPELINE_NAME,
      pipelineType: 'V2',
      triggers: [{
        providerType: 'CodeStarSourceConnection',
        gitConfiguration: {
          sourceActionName: 'Source',
          push: [{
            branches: { includes: [BRANCH] },
            filePaths: { includes: ['templates/**'], excludes: ['docs/**'] },
          }],
        },
      }],
    },
  }));

// A human pushes a commit touching templates/** (see above); wait for the execution it starts.
// Connection pushes are webhook triggers (`Webhook` or, for V2 triggers, `WebhookV2`).
// @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ExecutionTrigger.html
getPipeline.next(
  integ.assertions.awsApiCall('CodePipeline', 'listPipelineExecutions', { pipelineName: PIPELINE_NAME })
    .expect(ExpectedResult.objectLike({
      pipelineExecutionSummaries: Match.arrayWith([
        Match.objectLike({ trigger: Match.objectLike({ triggerType: Match.stringLikeRegexp('^Webhook') }) }),
      ]),
    }))
    .waitForAssertions({ totalTimeout: Duration.minutes(30), interval: Duration.seconds(30) }),
);

app.synth();

/**
 * Integration test: a pipeline with a CodeCommit source, started by the repository's EventBridge
 * events (no polling), delivering a tiny template to us-east-1 and eu-west-1.
 *
 * The assertions push a commit themselves and wait for an execution of that very commit, so a real
 * run (`npx projen integ:deploy`) proves that the event rule fires. Note: AWS CodeCommit is no longer
 * available to new customers; run this in an account that already uses CodeCommit.
 *
 * Clean-up: integ-runner destroys the stacks of this app; the target stacks the pipeline itself
 * deploys (`integ-codecommit-source-target` in us-east-1 and eu-west-1) must be deleted by hand.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration, Stack } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import { INTEG_ACCOUNT, INTEG_HOME_REGION, integApp } from './integ-app';
import { MultiRegionDeliveryPipeline, PipelineSource, RegionTarget } from '../src';

const app = integApp();
const env = { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION };

const PIPELINE_NAME = 'integ-codecommit-source';
const BRANCH = 'main';
/** The smallest template CloudFormation deploys: one resource without cost or permissions. */
const TEMPLATE = 'Resources:\n  Handle:\n    Type: AWS::CloudFormation::WaitConditionHandle\n';

const stack = new Stack(app, 'CodeCommitSourcePipeline', { env });
const repository = new codecommit.Repository(stack, 'Repository', {
  repositoryName: 'integ-codecommit-source',
  description: 'Source of the cdk-multi-region-delivery-pipeline integration test (created empty; the test pushes to it)',
});
new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source: PipelineSource.codeCommit(repository, BRANCH),
  // no build: the targets read the template from the source
  targets: ['us-east-1', 'eu-west-1'].map(region => RegionTarget.cloudFormation({
    region,
    stackName: 'integ-codecommit-source-target',
    templatePath: 'template.yaml',
  })),
});

const assertionStack = new Stack(app, 'CodeCommitSourceAssertions', { env });
const integ = new IntegTest(app, 'CodeCommitSource', {
  testCases: [stack],
  assertionStack,
});

// The first commit creates the branch: CodeCommit emits referenceCreated, which the rule matches.
const push = integ.assertions.awsApiCall('CodeCommit', 'putFile', {
  repositoryName: repository.repositoryName,
  branchName: BRANCH,
  filePath: 'template.yaml',
  fileContent: TEMPLATE,
  commitMessage: 'integ test: start the pipeline',
  name: 'integ-runner',
  email: 'integ-runner@example.com',
});
const commitId = push.getAttString('commitId');

// An execution of exactly that commit, started by the EventBridge rule.
// @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListPipelineExecutions.html
// @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ExecutionTrigger.html
push.next(
  integ.assertions.awsApiCall('CodePipeline', 'listPipelineExecutions', { pipelineName: PIPELINE_NAME })
    .expect(ExpectedResult.objectLike({
      pipelineExecutionSummaries: Match.arrayWith([
        Match.objectLike({
          sourceRevisions: Match.arrayWith([Match.objectLike({ actionName: 'Source', revisionId: commitId })]),
          trigger: Match.objectLike({ triggerType: 'CloudWatchEvent' }),
        }),
      ]),
    }))
    .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(20) }),
);

app.synth();

/**
 * The pipeline in us-west-2 delivers the sample service in integ/sample-app/ to us-east-1, eu-west-1
 * and ap-southeast-2 through one CloudFormation stack set (self-managed permissions, the pipeline's
 * account): one StackSets operation, regions one after another in that order. A stack set has one
 * template for every region, so the build inlines the function's code into it (instead of
 * packaging it into each region's bucket as the change-set test does).
 *
 * When run for real (with AWS credentials and `cdk bootstrap` in the four regions), the assertions
 * prove the delivery: the pipeline's execution succeeds; the stack set has a CURRENT instance with
 * detailed status SUCCEEDED in each region; in each region the instance's stack is complete and the
 * service answers over HTTP with its own region name. The cleanup stack then deletes the stack
 * instances (RetainStacks false, so their stacks go too), waits until none is left and deletes the
 * stack set, so nothing the pipeline created outlives the test.
 */
import * as path from 'path';
import { ExpectedResult, HttpApiCall, IntegTest, Match, AwsApiCall } from '@aws-cdk/integ-tests-alpha';
import { CfnCapabilities, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import { INTEG_ACCOUNT, INTEG_HOME_REGION, assertionStacks, expectExecutionSucceeds, fixAssertionSalt, integApp, sampleAppDeployPolicy, uploadedSource } from './integ-app';
import { MultiRegionDeliveryPipeline, PipelineBuild, RegionTarget } from '../src';

const TARGET_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const STACK_SET = 'mrdp-integ-sample-app';
/** The function's name, set by the build: within the deploy policy's `StackSet-<stack set>-*`. */
const FUNCTION_NAME = `StackSet-${STACK_SET}-function`;
const PIPELINE_NAME = 'mrdp-integ-stackset-three-regions';

const app = integApp();
const stack = new Stack(app, 'MrdpIntegStackSetThreeRegions', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });

const { source, upload } = uploadedSource(stack, path.join(__dirname, 'sample-app'));

// The instances' stacks are named `StackSet-<stack set>-<id>`, and so are the resources CloudFormation names after them.
const servicePermissions = sampleAppDeployPolicy(stack, `StackSet-${STACK_SET}`, TARGET_REGIONS);

const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source,
  // one template for every region: the function's code inlined (ZipFile) in place of `Code: ./app`,
  // and the function named, so each region's check can find it
  buildStep: PipelineBuild.codeBuild({
    buildSpec: codebuild.BuildSpec.fromObject({
      version: '0.2',
      phases: {
        build: {
          commands: [
            'python3 -c "t=open(\'template.yaml\').read(); c=open(\'app/index.js\').read(); ' +
              'z=\'Code:\\n        ZipFile: |\\n\'+\'\'.join(\'          \'+l+\'\\n\' for l in c.splitlines()); ' +
              `t=t.replace('Handler: index.handler', 'FunctionName: ${FUNCTION_NAME}\\n      Handler: index.handler'); ` +
              'open(\'stackset.template.yaml\',\'w\').write(t.replace(\'Code: ./app\', z))"',
          ],
        },
      },
      artifacts: { files: ['stackset.template.yaml'] },
    }),
  }),
  targets: [RegionTarget.stackSet({
    stackSetName: STACK_SET,
    templatePath: 'stackset.template.yaml',
    regions: TARGET_REGIONS,
    capabilities: [CfnCapabilities.ANONYMOUS_IAM],
    deploymentManagedPolicies: [servicePermissions],
  })],
});
pipeline.node.addDependency(upload);

const { assertionStack, checks } = assertionStacks(stack, TARGET_REGIONS);
// deletes the instances and the stack set once every region's check passed
const cleanup = new Stack(app, `${stack.node.id}Cleanup`, { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });
checks.forEach(check => cleanup.addDependency(check, 'clean up after the checks'));

const integ = new IntegTest(app, 'StackSetThreeRegions', {
  testCases: [stack, ...checks, cleanup],
  assertionStack,
  diffAssets: false,
  stackUpdateWorkflow: false,
});

// 1. The pipeline's execution succeeds: source, build, and the stack set operation.
const succeeded = expectExecutionSucceeds(integ, PIPELINE_NAME);

// 2. Then each region's instance is current (its last operation succeeded), read in the stack set's region.
TARGET_REGIONS.reduce((previous, region) => {
  const current = integ.assertions.awsApiCall('CloudFormation', 'listStackInstances', {
    StackSetName: STACK_SET,
    StackInstanceRegion: region,
    StackInstanceAccount: INTEG_ACCOUNT,
  }).expect(ExpectedResult.objectLike({
    Summaries: [Match.objectLike({ Region: region, Status: 'CURRENT', StackInstanceStatus: { DetailedStatus: 'SUCCEEDED' } })],
  }));
  return previous.next(current);
}, succeeded);

// 3. In each region: the instance's stack is complete, and the service answers with its own region.
TARGET_REGIONS.forEach((region, i) => {
  const check = checks[i];
  const instanceStack = new AwsApiCall(check, 'InstanceStackComplete', {
    service: 'CloudFormation',
    api: 'listStacks',
    parameters: { StackStatusFilter: ['CREATE_COMPLETE', 'UPDATE_COMPLETE'] },
  });
  instanceStack.expect(ExpectedResult.objectLike({
    StackSummaries: Match.arrayWith([Match.objectLike({ StackName: Match.stringLikeRegexp(`^StackSet-${STACK_SET}-`) })]),
  }));
  const url = new AwsApiCall(check, 'ServiceUrl', {
    service: 'Lambda',
    api: 'getFunctionUrlConfig',
    parameters: { FunctionName: FUNCTION_NAME },
    outputPaths: ['FunctionUrl'],
  });
  const call = new HttpApiCall(check, 'CallService', { url: url.getAttString('FunctionUrl') });
  call.expect(ExpectedResult.objectLike({ status: 200, body: { service: 'sample-app', region } }));
  instanceStack.next(url).next(call);
  fixAssertionSalt(check);
});

// 4. Cleanup: delete the instances with their stacks, wait until the stack set has none, delete it.
const deleteInstances = new AwsApiCall(cleanup, 'DeleteInstances', {
  service: 'CloudFormation',
  api: 'deleteStackInstances',
  parameters: { StackSetName: STACK_SET, Accounts: [INTEG_ACCOUNT], Regions: TARGET_REGIONS, RetainStacks: false },
});
const noInstances = new AwsApiCall(cleanup, 'NoInstancesLeft', {
  service: 'CloudFormation',
  api: 'listStackInstances',
  parameters: { StackSetName: STACK_SET },
});
noInstances.expect(ExpectedResult.objectLike({ Summaries: [] }));
noInstances.waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.seconds(30) });
const deleteStackSet = new AwsApiCall(cleanup, 'DeleteStackSet', {
  service: 'CloudFormation',
  api: 'deleteStackSet',
  parameters: { StackSetName: STACK_SET },
});
deleteInstances.next(noInstances).next(deleteStackSet);
fixAssertionSalt(cleanup);

app.synth();

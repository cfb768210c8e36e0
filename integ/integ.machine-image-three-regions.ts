/**
 * The pipeline in us-west-2 distributes a machine image to us-east-1, eu-west-1 and ap-southeast-2
 * (and its own region) and deploys, in each region, a CloudFormation stack whose launch template
 * reads the region's copy from the Systems Manager parameter the pipeline writes. The build "bakes"
 * by taking the newest Amazon Linux 2023 image ID from its public parameter (no Packer), as in
 * integ/sample-image-app/buildspec.yml.
 *
 * When run for real (with AWS credentials and `cdk bootstrap` in the four regions), the assertions
 * prove the distribution: the pipeline's execution succeeds; in each region the parameter names an
 * available image owned by the account, copied from us-west-2 by the distribution and tagged with a
 * pipeline execution (in us-west-2, exactly the execution that succeeded), and the stack's launch
 * template uses it. Each region's check then deletes the stack, deregisters the copy, deletes its
 * snapshot and the parameter, so nothing the pipeline created outlives the test.
 */
import * as path from 'path';
import { AwsApiCall, ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  INTEG_ACCOUNT, INTEG_HOME_REGION, assertionStacks, deleteServiceStack, expectExecutionSucceeds, fixAssertionSalt, integApp, uploadedSource,
} from './integ-app';
import { MachineImageDistribution, MultiRegionDeliveryPipeline, PipelineBuild, RegionTarget } from '../src';

const TARGET_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const SERVICE_STACK = 'mrdp-integ-machine-image';
const PIPELINE_NAME = 'mrdp-integ-machine-image-three-regions';
const PARAMETER = '/mrdp-integ/machine-image/image-id';
const PUBLIC_IMAGE_PARAMETER = 'aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

const app = integApp();
const stack = new Stack(app, 'MrdpIntegMachineImage', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });

const { source, upload } = uploadedSource(stack, path.join(__dirname, 'sample-image-app'));

// What the service's template creates (a launch template) and reads (the parameter), and nothing else.
const deployPolicy = new iam.ManagedPolicy(stack, 'LaunchTemplatePolicy', {
  statements: [
    new iam.PolicyStatement({
      actions: ['ec2:CreateLaunchTemplate', 'ec2:DeleteLaunchTemplate', 'ec2:CreateLaunchTemplateVersion'],
      resources: TARGET_REGIONS.map(region => stack.formatArn({ service: 'ec2', region, resource: 'launch-template', resourceName: '*' })),
    }),
    new iam.PolicyStatement({ actions: ['ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions', 'ec2:DescribeImages'], resources: ['*'] }),
    new iam.PolicyStatement({
      actions: ['ssm:GetParameters'],
      resources: TARGET_REGIONS.map(region => stack.formatArn({ service: 'ssm', region, resource: 'parameter', resourceName: PARAMETER.slice(1) })),
    }),
  ],
});

const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source,
  buildStep: PipelineBuild.codeBuild({
    // the public parameter of Amazon Linux images, which has no account in its ARN
    rolePolicy: [new iam.PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: [stack.formatArn({ service: 'ssm', account: '', resource: 'parameter', resourceName: PUBLIC_IMAGE_PARAMETER })],
    })],
  }),
  machineImage: MachineImageDistribution.fromBuild({ imageIdVariable: 'IMAGE_ID', parameterName: PARAMETER, keepImages: 2 }),
  targets: TARGET_REGIONS.map(region => RegionTarget.cloudFormation({
    region,
    stackName: SERVICE_STACK,
    templatePath: 'template.yaml',
    deploymentManagedPolicies: [deployPolicy],
  })),
});
pipeline.node.addDependency(upload);

const IMAGE_REGIONS = [INTEG_HOME_REGION, ...TARGET_REGIONS];
const { assertionStack, checks } = assertionStacks(stack, IMAGE_REGIONS);
const integ = new IntegTest(app, 'MachineImageThreeRegions', {
  testCases: [stack, ...checks],
  assertionStack,
  diffAssets: false,
  stackUpdateWorkflow: false,
});

// 1. The pipeline's execution succeeds: source, build, distribution to four regions, three deployments.
expectExecutionSucceeds(integ, PIPELINE_NAME);

// 2. In the pipeline's region: the parameter names the copy tagged with exactly that execution.
const executions = integ.assertions.awsApiCall('CodePipeline', 'listPipelineExecutions', { pipelineName: PIPELINE_NAME }, [
  'pipelineExecutionSummaries.0.pipelineExecutionId',
]);
const homeParameter = integ.assertions.awsApiCall('SSM', 'getParameter', { Name: PARAMETER }, ['Parameter.Value']);
const homeImage = integ.assertions.awsApiCall('EC2', 'describeImages', { ImageIds: [homeParameter.getAttString('Parameter.Value')] });
homeImage.expect(ExpectedResult.objectLike({
  Images: [Match.objectLike({
    State: 'available',
    OwnerId: INTEG_ACCOUNT,
    Tags: Match.arrayWith([{ Key: 'multi-region-delivery:execution-id', Value: executions.getAttString('pipelineExecutionSummaries.0.pipelineExecutionId') }]),
  })],
}));
executions.next(homeParameter).next(homeImage);

// 3. In every region: the parameter names an available copy owned by the account, copied from the
//    pipeline's region by an execution; the target's launch template uses it; then everything the
//    pipeline created there is removed.
IMAGE_REGIONS.forEach((region, i) => {
  const check = checks[i];
  expectImageInRegion(check, region !== INTEG_HOME_REGION);
  fixAssertionSalt(check);
});

/**
 * In the check stack of a region: the parameter, the image it names, the target stack's launch
 * template (in target regions), then the clean-up: the stack, the image, its snapshot, the parameter.
 */
function expectImageInRegion(check: Stack, hasTarget: boolean): void {
  const parameter = new AwsApiCall(check, 'GetParameter', { service: 'SSM', api: 'getParameter', parameters: { Name: PARAMETER }, outputPaths: ['Parameter.Value'] });
  parameter.expect(ExpectedResult.objectLike({ Parameter: { DataType: 'aws:ec2:image' } }));
  const imageId = parameter.getAttString('Parameter.Value');
  const image = new AwsApiCall(check, 'DescribeImage', {
    service: 'EC2',
    api: 'describeImages',
    parameters: { ImageIds: [imageId] },
    outputPaths: ['Images.0.BlockDeviceMappings.0.Ebs.SnapshotId'],
  });
  image.expect(ExpectedResult.objectLike({
    Images: [Match.objectLike({
      State: 'available',
      OwnerId: INTEG_ACCOUNT,
      Tags: Match.arrayWith([
        { Key: 'multi-region-delivery:source-region', Value: INTEG_HOME_REGION },
        Match.objectLike({ Key: 'multi-region-delivery:execution-id' }),
      ]),
    })],
  }));
  let last = parameter.next(image);
  if (hasTarget) {
    const stackOutputs = new AwsApiCall(check, 'DescribeService', {
      service: 'CloudFormation', api: 'describeStacks', parameters: { StackName: SERVICE_STACK }, outputPaths: ['Stacks.0.StackId'],
    });
    stackOutputs.expect(ExpectedResult.objectLike({
      Stacks: [Match.objectLike({ StackStatus: 'CREATE_COMPLETE', Outputs: Match.arrayWith([Match.objectLike({ OutputKey: 'ImageId', OutputValue: imageId })]) })],
    }));
    const [remove, gone] = deleteServiceStack(check, SERVICE_STACK, stackOutputs.getAttString('Stacks.0.StackId'));
    last = last.next(stackOutputs).next(remove).next(gone);
  }
  const deregister = new AwsApiCall(check, 'DeregisterImage', { service: 'EC2', api: 'deregisterImage', parameters: { ImageId: imageId } });
  const deleteSnapshot = new AwsApiCall(check, 'DeleteSnapshot', {
    service: 'EC2', api: 'deleteSnapshot', parameters: { SnapshotId: image.getAttString('Images.0.BlockDeviceMappings.0.Ebs.SnapshotId') },
  });
  const deleteParameter = new AwsApiCall(check, 'DeleteParameter', { service: 'SSM', api: 'deleteParameter', parameters: { Name: PARAMETER } });
  last.next(deregister).next(deleteSnapshot).next(deleteParameter);
}

app.synth();

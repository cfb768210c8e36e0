/**
 * The pipeline in us-west-2 delivers the sample web app in integ/sample-app-codedeploy/ to an
 * EC2 fleet in us-east-1, eu-west-1 and ap-southeast-2 through CodeDeploy. Each region has a small
 * stack of its own: a VPC with public subnets only (no NAT gateways), an Auto Scaling group of
 * Amazon Linux 2023 instances whose user data installs that region's CodeDeploy agent, an
 * Application Load Balancer on port 80, and a deployment group that rolls back a failed deployment.
 * The test uploads the source archive itself; the revision is the source as is (no build).
 *
 * When run for real (`npx projen integ:deploy`, with AWS credentials and `cdk bootstrap` in the four
 * regions), the assertions prove the delivery: the pipeline's execution succeeds, and in each region
 * the load balancer answers with the deployed version and the instance's own region.
 */
import * as path from 'path';
import { ExpectedResult, HttpApiCall, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { INTEG_ACCOUNT, INTEG_HOME_REGION, assertionStacks, expectExecutionSucceeds, fixAssertionSalt, integApp, uploadedSource } from './integ-app';
import { MultiRegionDeliveryPipeline, RegionTarget } from '../src';

const TARGET_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const PIPELINE_NAME = 'mrdp-integ-codedeploy-three-regions';
const APPLICATION_NAME = 'mrdp-integ-sample-app';
const DEPLOYMENT_GROUP_NAME = 'mrdp-integ-sample-fleet';
const DEPLOYED_VERSION = '1.0.0'; // integ/sample-app-codedeploy/app/VERSION

const app = integApp();
// Launch configurations are not available to new accounts: let the Auto Scaling groups use launch templates.
app.node.setContext('@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig', true);

/**
 * A stack whose availability zones are chosen at deploy time (the first two of its region), so
 * the template names no zone and synthesis needs no context lookup.
 */
class FleetStack extends Stack {
  public get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())];
  }
}

/** The fleet of one region, behind a load balancer, and its deployment group (literal names). */
function fleet(region: string) {
  const stack = new FleetStack(app, `MrdpIntegCodeDeployFleet-${region}`, { env: { account: INTEG_ACCOUNT, region } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
  });
  const instances = new autoscaling.AutoScalingGroup(stack, 'Fleet', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    associatePublicIpAddress: true,
    instanceType: new ec2.InstanceType('t3.micro'),
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    requireImdsv2: true,
    minCapacity: 1,
    maxCapacity: 1,
  });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'LoadBalancer', { vpc, internetFacing: true });
  // port 80 open to the world on the load balancer, and from the load balancer to the instances
  loadBalancer.addListener('Http', { port: 80, open: true }).addTargets('Fleet', {
    port: 80,
    targets: [instances],
    healthCheck: { path: '/', interval: Duration.seconds(15) },
  });
  const group = new codedeploy.ServerDeploymentGroup(stack, 'DeploymentGroup', {
    application: new codedeploy.ServerApplication(stack, 'Application', { applicationName: APPLICATION_NAME }),
    deploymentGroupName: DEPLOYMENT_GROUP_NAME,
    autoScalingGroups: [instances],
    // the user data installs the CodeDeploy agent from this region's aws-codedeploy-<region> bucket
    installAgent: true,
    deploymentConfig: codedeploy.ServerDeploymentConfig.ALL_AT_ONCE,
    autoRollback: { failedDeployment: true },
  });
  return { stack, group, loadBalancer };
}
const fleets = TARGET_REGIONS.map(fleet);

const stack = new Stack(app, 'MrdpIntegCodeDeployThreeRegions', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });

// The source: the sample app (appspec.yml at its root), zipped as an asset and copied as-is into a versioned bucket.
const { source, upload } = uploadedSource(stack, path.join(__dirname, 'sample-app-codedeploy'));

const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source,
  targets: fleets.map(f => RegionTarget.codeDeployGroup({ deploymentGroup: f.group })),
});
// The source object and the fleets exist before the pipeline does, so the execution that starts
// when the pipeline is created finds both.
pipeline.node.addDependency(upload);
for (const f of fleets) {
  stack.addDependency(f.stack, 'the pipeline deploys to this region\'s fleet');
}

const { assertionStack, checks } = assertionStacks(stack, fleets.map(f => f.stack.region));
const integ = new IntegTest(app, 'CodeDeployThreeRegions', {
  testCases: [...fleets.map(f => f.stack), stack, ...checks],
  assertionStack,
  diffAssets: false,
  stackUpdateWorkflow: false,
});

// 1. The pipeline's execution succeeds: source and the three regions' deployments.
expectExecutionSucceeds(integ, PIPELINE_NAME);

// 2. In each region, after the pipeline succeeded: the fleet answers, through its load balancer,
//    with the deployed version and its own region.
fleets.forEach((f, i) => {
  const check = checks[i];
  const call = new HttpApiCall(check, 'CallFleet', { url: `http://${f.loadBalancer.loadBalancerDnsName}/` });
  call.expect(ExpectedResult.objectLike({
    status: 200,
    body: { app: 'sample-app-codedeploy', version: DEPLOYED_VERSION, region: f.stack.region },
  }));
  call.waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });
  fixAssertionSalt(check);
});

app.synth();

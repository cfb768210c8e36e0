import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as codepipeline_actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { checkPipeline } from './api-model/codepipeline-model';
import { ACCOUNT, HOME_REGION, cfnLint, cfnTarget, fixture, flatten, nagFindings, pipelineStack, roleStatements, sourceBucket, testApp, withResource } from './testutil';
import { exampleApp } from '../example/app';
import {
  ArtifactEncryption, DeliveryTopology, DeploymentWindow, MachineImageDistribution, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource,
  PlannedActionKind, RegionTarget, Rollout, TemplateValidation,
} from '../src';
import { COMMERCIAL_REGIONS, offers } from '../src/private/region-services';
import { RELEASE_PUBLISHER_HANDLER } from '../src/private/release-publisher-handler';

const DUBLIN_NIGHT = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' });
const TOKYO_NIGHT = DeploymentWindow.daily({ startHour: 2, endHour: 4, timeZone: 'Asia/Tokyo' });

/** us-east-1 always open, eu-west-1 and ap-northeast-1 behind their nights, ca-west-1 (no CodePipeline) routed. */
function regional(props: Parameters<typeof fixture>[1] = {}) {
  return fixture([], {
    topology: DeliveryTopology.regionalPipelines(),
    validation: TemplateValidation.cfnLintAndGuard(),
    targets: [
      cfnTarget('us-east-1'),
      cfnTarget('eu-west-1', 'service-x', { window: DUBLIN_NIGHT }),
      cfnTarget('ap-northeast-1', 'service-x', { window: TOKYO_NIGHT, approval: true }),
      cfnTarget('ca-west-1'),
    ],
    ...props,
  });
}

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-northeast-1'];
const regionalStackName = (region: string) => `PipelineStack-${HOME_REGION}-pipeline-${region}`;
const storeStackName = (region: string) => `PipelineStack-${HOME_REGION}-artifacts-${region}`;
/** The literal name of a region's artifact store bucket (`mrdp-<hash>-<account>-<region>`). */
const storeName = (f: { pipeline: MultiRegionDeliveryPipeline }, region: string) =>
  Stack.of(f.pipeline).resolve(f.pipeline.artifactBucket(region).bucketName);

/** The logical ID of the home store's bucket in the home stack. */
function homeStoreId(template: { Resources?: { [id: string]: any } }): string {
  const buckets = Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::S3::Bucket'
    && String(r.Properties?.BucketName ?? '').endsWith(`-${HOME_REGION}`));
  expect(buckets).toHaveLength(1);
  return buckets[0][0];
}

function pipelinesOf(template: { Resources?: { [id: string]: any } }): [string, any][] {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::CodePipeline::Pipeline');
}

function onlyPipeline(template: { Resources?: { [id: string]: any } }): any {
  const pipelines = pipelinesOf(template);
  expect(pipelines).toHaveLength(1);
  return pipelines[0][1].Properties;
}

/** Every statement of the template's policies and of its roles' inline policies. */
function policiesOf(template: { Resources?: { [id: string]: any } }): any[] {
  const resources = Object.values(template.Resources ?? {});
  return [
    ...resources.filter((r: any) => r.Type === 'AWS::IAM::Policy').flatMap((r: any) => r.Properties.PolicyDocument.Statement),
    ...resources.filter((r: any) => r.Type === 'AWS::IAM::Role').flatMap((r: any) => (r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement)),
  ];
}

describe('DeliveryTopology.regionalPipelines()', () => {
  const f = regional();
  const assembly = f.app.synth();
  const home = assembly.getStackByName('PipelineStack').template;
  const regionalTemplates = Object.fromEntries(REGIONS.map(r => [r, assembly.getStackByName(regionalStackName(r)).template]));

  test('the home pipeline builds, validates and publishes, then deploys only the region without CodePipeline', () => {
    const stages = onlyPipeline(home).Stages as any[];
    expect(stages.map(s => s.Name)).toEqual(['Source', 'Build', 'Validate', 'Publish', 'Deploy']);
    const publish = stages[3].Actions as any[];
    // Lambda invoke actions in the pipeline's own region (no cross-region action, no artifact copied to the regions for them)
    expect(publish.map(a => [a.Name, a.Region, a.ActionTypeId.Provider, a.InputArtifacts[0].Name])).toEqual(REGIONS.map(r => [r, undefined, 'Lambda', 'Build']));
    const [publisherId] = Object.entries<any>(home.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Function'
      && r.Properties.Code.ZipFile === RELEASE_PUBLISHER_HANDLER)!;
    publish.forEach(a => {
      expect(a.Configuration.FunctionName).toEqual({ Ref: publisherId });
      // the release's key in the region's store, with every source variable and the execution ID as metadata
      // (the values on lines of their own after the JSON: CodePipeline does not escape substituted variables)
      expect(a.Configuration.UserParameters).toEqual([
        JSON.stringify({ Region: a.Name, Bucket: storeName(f, a.Name), Key: 'release/release.zip', Metadata: ['source-version-id', 'source-etag', 'pipeline-execution-id'] }),
        'source-version-id=#{Source.VersionId}',
        'source-etag=#{Source.ETag}',
        'pipeline-execution-id=#{codepipeline.PipelineExecutionId}',
      ].join('\n'));
    });
    // ca-west-1 has no CodePipeline: deployed from home, through CodeBuild, after the release is published
    expect((stages[4].Actions as any[]).map(a => [a.Name, a.ActionTypeId.Provider])).toEqual([
      ['ca-west-1.service-x.CreateChangeSet', 'CodeBuild'],
      ['ca-west-1.service-x.ExecuteChangeSet', 'CodeBuild'],
    ]);
    // no window in the home pipeline
    expect(JSON.stringify(home)).not.toMatch(/DeploymentWindow/);
  });

  test('one pipeline per target region with CodePipeline, in a stack of that region, none for the routed region', () => {
    for (const region of REGIONS) {
      const stack = assembly.getStackByName(regionalStackName(region));
      expect(stack.environment).toEqual({ account: ACCOUNT, region, name: `aws://${ACCOUNT}/${region}` });
      const pipeline = onlyPipeline(stack.template);
      expect(pipeline.PipelineType).toBe('V2');
      expect(pipeline.ExecutionMode).toBe('SUPERSEDED');
      expect(f.pipeline.regionalPipeline(region).stack).toBe(Stack.of(f.pipeline.regionalPipeline(region)));
      expect(Stack.of(f.pipeline.regionalPipeline(region)).region).toBe(region);
      // deployed after its region's artifact store, which holds its artifacts and the release
      expect(stack.dependencies.map(d => d.id)).toContain(`PipelineStack-artifacts-${region}`);
    }
    expect(assembly.stacks.map(s => s.stackName)).not.toContain(regionalStackName('ca-west-1'));
    // the home pipeline is deployed after the regional pipelines, so its first release finds them listening
    expect(assembly.getStackByName('PipelineStack').dependencies.map(d => d.id).filter(id => id.includes('-pipeline-')).sort())
      .toEqual(REGIONS.map(r => `PipelineStack-pipeline-${r}`).sort());
  });

  test('a regional pipeline: Release, then the region\'s deploy stages, every action in its own region, its own artifact store', () => {
    for (const region of REGIONS) {
      const pipeline = onlyPipeline(regionalTemplates[region]);
      const actions = (pipeline.Stages as any[]).flatMap(s => s.Actions);
      expect(actions.every(a => a.Region === undefined || a.Region === region)).toBe(true);
      expect(pipeline.ArtifactStores ?? [{ Region: region, ArtifactStore: pipeline.ArtifactStore }]).toEqual([
        { Region: region, ArtifactStore: { Location: storeName(f, region), Type: 'S3' } },
      ]);
      expect(pipeline.Stages[0]).toMatchObject({
        Name: 'Release',
        Actions: [{
          Name: 'Release',
          ActionTypeId: { Category: 'Source', Provider: 'S3' },
          Configuration: { S3Bucket: storeName(f, region), S3ObjectKey: 'release/release.zip', PollForSourceChanges: false },
        }],
      });
      expect(actions.filter(a => a.ActionTypeId.Provider === 'CloudFormation').map(a => a.Name)).toEqual(
        region === 'ap-northeast-1'
          ? [`${region}.service-x.CreateChangeSet`, `${region}.service-x.ExecuteChangeSet`]
          : [`${region}.service-x.CreateChangeSet`, `${region}.service-x.ExecuteChangeSet`]);
    }
    // the same run orders and approval as in the single pipeline
    const tokyo = (onlyPipeline(regionalTemplates['ap-northeast-1']).Stages as any[])[1].Actions as any[];
    expect(tokyo.map(a => [a.Name, a.RunOrder])).toEqual([
      ['ap-northeast-1.service-x.CreateChangeSet', 2], ['ap-northeast-1.service-x.Approve', 3], ['ap-northeast-1.service-x.ExecuteChangeSet', 4],
    ]);
  });

  test('each window is the entry condition of a stage of its own region\'s pipeline only', () => {
    const windowsIn = (region: string) => (onlyPipeline(regionalTemplates[region]).Stages as any[])
      .flatMap(s => s.BeforeEntry?.Conditions ?? []).flatMap((c: any) => c.Rules).filter((r: any) => r.RuleTypeId.Provider === 'DeploymentWindow')
      .map((r: any) => r.Configuration);
    expect(windowsIn('us-east-1')).toEqual([]);
    expect(windowsIn('eu-west-1')).toEqual([{ Cron: DUBLIN_NIGHT.expression, TimeZone: 'Europe/Dublin' }]);
    expect(windowsIn('ap-northeast-1')).toEqual([{ Cron: TOKYO_NIGHT.expression, TimeZone: 'Asia/Tokyo' }]);
  });

  test('an EventBridge rule in each region starts that region\'s pipeline on the release\'s Object Created event', () => {
    for (const region of REGIONS) {
      const template = Template.fromJSON(regionalTemplates[region]);
      const [pipelineId] = pipelinesOf(regionalTemplates[region])[0];
      template.resourceCountIs('AWS::Events::Rule', 1);
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.s3'],
          'detail-type': ['Object Created'],
          'detail': { bucket: { name: [storeName(f, region)] }, object: { key: ['release/release.zip'] } },
        },
      });
      const rule = Object.values(template.findResources('AWS::Events::Rule'))[0] as any;
      // no source revision override: the Release action reads the newest release, whatever event started it
      expect(rule.Properties.Targets.map((t: any) => [t.Input, t.InputTransformer, t.InputPath])).toEqual([[undefined, undefined, undefined]]);
      expect(rule.Properties.Targets.map((t: any) => flatten(t.Arn))).toEqual([`arn:\${AWS::Partition}:codepipeline:${region}:${ACCOUNT}:\${${pipelineId}}`]);
      // the rule's role holds its one grant inline: no policy resource of its own
      const ruleRole = template.findResources('AWS::IAM::Role')[rule.Properties.Targets[0].RoleArn['Fn::GetAtt'][0]];
      expect(ruleRole.Properties.Policies.map((p: any) => p.PolicyDocument.Statement.map((st: any) => st.Action))).toEqual([['codepipeline:StartPipelineExecution']]);
      expect(Object.values(template.findResources('AWS::IAM::Policy')).filter((p: any) => JSON.stringify(p).includes('StartPipelineExecution'))).toEqual([]);
      // the store sends its events to EventBridge (no CloudTrail trail, no polling)
      Template.fromJSON(assembly.getStackByName(storeStackName(region)).template).hasResourceProperties('AWS::S3::Bucket', {
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      });
    }
    expect(JSON.stringify(assembly.getStackByName(storeStackName('ca-west-1')).template)).not.toMatch(/EventBridgeConfiguration/);
    expect(assembly.stacks.flatMap(st => Object.values(st.template.Resources ?? {}).map((r: any) => r.Type))).not.toContain('AWS::CloudTrail::Trail');
  });

  test('least privilege: publish only writes the release key, the trigger only starts its own pipeline, nothing on *', () => {
    // the publisher's role: read the home store's artifacts, write (or abort a multipart copy of) each region's release key, report its job
    const [roleId] = Object.entries<any>(home.Resources).find(([, r]) => r.Type === 'AWS::IAM::Role'
      && JSON.stringify(r.Properties.Description ?? '').includes('Copies the releases'))!;
    expect(home.Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
    const [logGroupId, logGroup] = Object.entries<any>(home.Resources).find(([id, r]) => r.Type === 'AWS::Logs::LogGroup' && id.startsWith('PipelinePublishPublisherLogs'))!;
    expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 90 }, DeletionPolicy: 'Delete' });
    expect(roleStatements(Template.fromJSON(home), new RegExp(`^${roleId}$`)).map((st: any) => [st.Action, flatten(st.Resource)])).toEqual([
      // its own log group only (no managed policy)
      [['logs:CreateLogStream', 'logs:PutLogEvents'], `{"Fn::GetAtt":["${logGroupId}","Arn"]}`],
      ['s3:GetObject', `{"Fn::GetAtt":["${homeStoreId(home)}","Arn"]}/*`],
      [['s3:AbortMultipartUpload', 's3:PutObject'], JSON.stringify(REGIONS.map(r => `arn:aws:s3:::${storeName(f, r)}/release/release.zip`).sort())],
      // aws-cdk-lib's Lambda invoke action: these take no resource but * (service authorization reference)
      [['codepipeline:PutJobFailureResult', 'codepipeline:PutJobSuccessResult'], '*'],
    ]);
    const publish = policiesOf(home).filter(s => [].concat(s.Action).includes('s3:PutObject' as never)
      && JSON.stringify(s.Resource).includes('release/release.zip'));
    expect(publish).toHaveLength(1);
    for (const region of REGIONS) {
      const statements = policiesOf(regionalTemplates[region]);
      expect(statements.filter(s => [].concat(s.Resource).includes('*' as never))).toEqual([]);
      const start = statements.filter(s => [].concat(s.Action).includes('codepipeline:StartPipelineExecution' as never));
      expect(start).toHaveLength(1);
      expect(flatten(start[0].Resource)).toMatch(new RegExp(`^arn:\\$\\{AWS::Partition\\}:codepipeline:${region}:${ACCOUNT}:\\$\\{\\w+Pipeline\\w+\\}$`));
      // every S3 grant names this region's store only
      const buckets = statements.flatMap(s => [].concat(s.Resource)).map(r => JSON.stringify(r)).filter(r => r.includes(':s3:::'));
      expect(buckets.every(r => r.includes(storeName(f, region)))).toBe(true);
      // the release is read by the source action only at its key
      expect(statements.some(s => [].concat(s.Action).includes('s3:GetObject*' as never)
        && [].concat(s.Resource).some((r: any) => flatten(r).endsWith('/release/release.zip')))).toBe(true);
    }
  });

  test('the plan shows which pipeline holds each stage, and every region\'s schedule starts from the release', () => {
    const plan = f.pipeline.plan;
    expect(plan.stages.map(s => `${s.pipeline}/${s.stageName}`)).toEqual([
      'home/Source', 'home/Build', 'home/Validate', 'home/Publish', 'home/Deploy',
      'us-east-1/Release', 'us-east-1/Deploy',
      'eu-west-1/Release', 'eu-west-1/Deploy.eu-west-1',
      'ap-northeast-1/Release', 'ap-northeast-1/Deploy.ap-northeast-1',
    ]);
    expect(plan.actions.filter(a => a.kind === PlannedActionKind.PUBLISH).map(a => [a.pipeline, a.region])).toEqual(REGIONS.map(r => ['home', r]));
    expect(plan.stages.find(s => s.pipeline === 'eu-west-1' && s.window)?.window).toBe(DUBLIN_NIGHT.toString());
    const table = plan.toTable();
    expect(table.split('\n')[0]).toMatch(/^Pipeline\s+Stage/);
    expect(table).toMatch(/^eu-west-1\s+Deploy\.eu-west-1\s+2\s+eu-west-1\s+CreateChangeSet/m);

    // 12:00 UTC: Dublin opens at 01:00 the next night, Tokyo at 02:00 JST (17:00 UTC the same day):
    // each from the release, not from the region listed before it
    const from = new Date('2026-12-01T12:00:00Z');
    const schedule = plan.schedule(from);
    const startOf = (pipeline: string, stage: string) =>
      schedule.find(s => s.pipeline === pipeline && s.stageName === stage)!.earliestStart?.toISOString();
    expect(startOf('us-east-1', 'Deploy')).toBe(from.toISOString());
    expect(startOf('eu-west-1', 'Deploy.eu-west-1')).toBe('2026-12-02T01:00:00.000Z');
    expect(startOf('ap-northeast-1', 'Deploy.ap-northeast-1')).toBe('2026-12-01T17:00:00.000Z');
    expect(startOf('home', 'Deploy')).toBe(from.toISOString());
    expect(plan.toScheduleTable(from).split('\n')[0]).toMatch(/^Pipeline\s+Stage\s+Regions/);
    // Source, Build, Validate, Publish (1 each), then the longest branch: ap-northeast-1's Release (1) and deploy (3 run orders)
    expect(plan.criticalPath).toBe(4 + 4);
    expect(plan.toMermaid()).toContain('eu-west-1/Deploy.eu-west-1');
    expect(plan.toGantt(from)).toContain('ap-northeast-1/Deploy.ap-northeast-1');
    // each region waits for its own window from the release, not from the region drawn before it
    const gantt = plan.toGantt(from).split('\n');
    const tokyo = gantt.findIndex(l => l.includes('section ap-northeast-1/Deploy.ap-northeast-1'));
    expect(gantt[tokyo + 1]).toMatch(/waits for its window :done, t\d+wait, 2026-12-01T12:00, 2026-12-01T17:00/);
  });

  test('every pipeline passes the CodePipeline API model check', () => {
    for (const template of [home, ...Object.values(regionalTemplates)]) {
      for (const [id, pipeline] of pipelinesOf(template)) {
        expect([id, checkPipeline(pipeline.Properties, template.Resources)]).toEqual([id, []]);
      }
    }
  });

  test('cfn-lint finds nothing in any stack', () => {
    expect(cfnLint(Object.fromEntries(assembly.stacks.map(stack => [stack.stackName, stack.template])))).toBe('');
  }, 120_000);
});

describe('topology options', () => {
  test('singlePipeline() is the default: the same templates as without the prop', () => {
    const templates = (props: Parameters<typeof fixture>[1]) => {
      const f = fixture(['us-east-1', 'eu-west-1'], props);
      return f.app.synth().stacks.map(s => [s.stackName, s.template]);
    };
    expect(templates({ topology: DeliveryTopology.singlePipeline() })).toEqual(templates({}));
    expect(DeliveryTopology.singlePipeline().description).toBe('single pipeline');
    expect(DeliveryTopology.regionalPipelines().description).toBe('regional pipelines');
  });

  test('the regional pipelines\' execution mode, and their names from pipelineName', () => {
    const f = fixture(['eu-west-1'], {
      pipelineName: 'service-x',
      topology: DeliveryTopology.regionalPipelines({ executionMode: codepipeline.ExecutionMode.QUEUED }),
    });
    const pipeline = onlyPipeline(f.app.synth().getStackByName(regionalStackName('eu-west-1')).template);
    expect(pipeline.ExecutionMode).toBe('QUEUED');
    expect(pipeline.Name).toBe('service-x-eu-west-1');
  });

  test('a target in the pipeline\'s own region gets a regional pipeline too, on the home store', () => {
    const f = fixture([HOME_REGION], { topology: DeliveryTopology.regionalPipelines() });
    const assembly = f.app.synth();
    const pipeline = onlyPipeline(assembly.getStackByName(regionalStackName(HOME_REGION)).template);
    expect(pipeline.Stages[0].Actions[0].Configuration.S3Bucket).toMatch(new RegExp(`^mrdp-[0-9a-f]{10}-${ACCOUNT}-${HOME_REGION}$`));
    Template.fromStack(f.stack).hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
  });

  test('two home pipelines in one stack keep their regional pipelines apart', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const make = (id: string) => new MultiRegionDeliveryPipeline(stack, id, {
      source: PipelineSource.s3({ bucket: sourceBucket(stack, `${id}Source`), objectKey: 'a.zip' }),
      buildStep: PipelineBuild.codeBuild(),
      topology: DeliveryTopology.regionalPipelines(),
      targets: [cfnTarget('eu-west-1', `${id}-service`)],
    });
    const [a, b] = [make('A'), make('B')];
    const template = app.synth().getStackByName(regionalStackName('eu-west-1')).template;
    expect(pipelinesOf(template)).toHaveLength(2);
    expect(a.regionalPipeline('eu-west-1')).not.toBe(b.regionalPipeline('eu-west-1'));
    const sources = pipelinesOf(template).map(([, p]) => p.Properties.Stages[0].Actions[0].Configuration.S3Bucket);
    expect(new Set(sources).size).toBe(2);
  });

  test('a long stack name keeps regional stack names within 128 characters, unique per region', () => {
    const app = testApp();
    const stack = new Stack(app, 'PipelineStack', { env: { account: ACCOUNT, region: HOME_REGION }, stackName: 'x'.repeat(120) });
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      topology: DeliveryTopology.regionalPipelines(),
      targets: [cfnTarget('eu-west-1'), cfnTarget('ap-southeast-2')],
    });
    const names = app.synth().stacks.map(s => s.stackName).filter(n => n.includes('-pipeline-'));
    expect(names).toHaveLength(2);
    names.forEach(n => expect(n.length).toBeLessThanOrEqual(128));
    expect(names[0]).not.toBe(names[1]);
  });

  test('alarm gates and rollback apply in the region\'s own pipeline, and notifications reach a topic in each region', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const alarm = cloudwatch.Alarm.fromAlarmArn(stack, 'Errors', `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:service-x-errors`);
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      topology: DeliveryTopology.regionalPipelines(),
      notifications: {},
      targets: [cfnTarget('eu-west-1', 'service-x', { gates: { alarms: [alarm], rollbackOnFailure: true } }), cfnTarget('us-east-1')],
    });
    const assembly = app.synth();
    const eu = assembly.getStackByName(regionalStackName('eu-west-1')).template;
    const deploy = onlyPipeline(eu).Stages[1];
    expect(deploy.OnFailure).toEqual({ Result: 'ROLLBACK' });
    expect(JSON.stringify(deploy.BeforeEntry)).toContain('"AlarmName":"service-x-errors"');
    expect(JSON.stringify(onlyPipeline(assembly.getStackByName(regionalStackName('us-east-1')).template))).not.toContain('service-x-errors');
    for (const region of ['eu-west-1', 'us-east-1']) {
      const template = Template.fromJSON(assembly.getStackByName(regionalStackName(region)).template);
      template.resourceCountIs('AWS::CodeStarNotifications::NotificationRule', 1);
      template.resourceCountIs('AWS::SNS::Topic', 1);
    }
    expect(pipeline.notificationTopic).toBeDefined();
  });

  test('KMS-encrypted stores: the regional pipeline names the key by its alias, with no reference to another stack', () => {
    const f = fixture(['eu-west-1'], { topology: DeliveryTopology.regionalPipelines(), artifactStores: { encryption: ArtifactEncryption.KMS } });
    const template = f.app.synth().getStackByName(regionalStackName('eu-west-1')).template;
    expect(JSON.stringify(template)).not.toMatch(/Fn::ImportValue/);
    const kms = policiesOf(template).filter(s => [].concat(s.Action).some((a: string) => a.startsWith('kms:')));
    expect(kms.length).toBeGreaterThan(0);
    kms.forEach(s => expect(s.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': expect.stringMatching(/^alias\//) } }));
  });

  test('KMS-encrypted stores and a regional pipeline in the home region: no dependency cycle, and the publish role stays out of the home store\'s policies', () => {
    const f = fixture([HOME_REGION, 'eu-west-1'], { topology: DeliveryTopology.regionalPipelines(), artifactStores: { encryption: ArtifactEncryption.KMS } });
    const assembly = f.app.synth();
    const home = assembly.getStackByName('PipelineStack').template;
    // the key's policy naming the role whose inline policy names the key was a cycle (E3004)
    expect(cfnLint(Object.fromEntries(assembly.stacks.map(st => [st.stackName, st.template])))).toBe('');
    const publish = (onlyPipeline(home).Stages as any[]).find(st => st.Name === 'Publish').Actions[0];
    const actionRoleId = JSON.stringify(publish.RoleArn).match(/"(PipelineTargetsPublishActionRole[A-Z0-9]+)"/)![1];
    const publisherRoleId = Object.entries<any>(home.Resources).find(([, r]) => r.Type === 'AWS::IAM::Role'
      && JSON.stringify(r.Properties.Description ?? '').includes('Copies the releases'))![0];
    const resourcePolicies = JSON.stringify(Object.values<any>(home.Resources)
      .filter(r => r.Type === 'AWS::S3::BucketPolicy' || r.Type === 'AWS::KMS::Key')
      .flatMap(r => (r.Properties.PolicyDocument ?? r.Properties.KeyPolicy).Statement));
    expect(resourcePolicies).not.toContain(actionRoleId);
    expect(resourcePolicies).not.toContain(publisherRoleId);
    // the publisher's own grants: the release key of each store, not the whole bucket; the home store's key to read, each store's key to write
    const statements = roleStatements(Template.fromJSON(home), new RegExp(`^${publisherRoleId}$`));
    const puts = statements.filter(st => [].concat(st.Action).includes('s3:PutObject' as never));
    expect(puts).toHaveLength(1);
    expect(JSON.stringify(puts[0].Resource)).toMatch(/release\/release\.zip/);
    expect(JSON.stringify(puts[0].Resource)).not.toMatch(/\/\*"/);
    expect(statements.filter(st => [].concat(st.Action).some((a: string) => a.startsWith('kms:'))).length).toBeGreaterThan(0);
  });

  test('a CodeDeploy target in a region without CodePipeline stays in the home pipeline (its CodeBuild route), after Publish', () => {
    const f = fixture([], {
      topology: DeliveryTopology.regionalPipelines(),
      targets: [cfnTarget('eu-west-1'), RegionTarget.codeDeploy({ region: 'ca-west-1', applicationName: 'web', deploymentGroupName: 'web-dg' })],
    });
    const assembly = f.app.synth();
    expect(assembly.stacks.map(st => st.stackName)).not.toContain(regionalStackName('ca-west-1'));
    const stages = onlyPipeline(assembly.getStackByName('PipelineStack').template).Stages as any[];
    expect(stages.map(st => st.Name)).toEqual(['Source', 'Build', 'Publish', 'Deploy']);
    expect((stages[3].Actions as any[]).every(a => a.ActionTypeId.Provider === 'CodeBuild' && a.Region === undefined)).toBe(true);
    expect(f.pipeline.plan.actions.filter(a => a.region === 'ca-west-1').map(a => a.pipeline)).toEqual(['home']);
  });

  test('a CodeDeploy target is deployed by its region\'s pipeline, without a cross-region action', () => {
    const f = fixture([], {
      topology: DeliveryTopology.regionalPipelines(),
      targets: [RegionTarget.codeDeploy({ region: 'eu-west-1', applicationName: 'web', deploymentGroupName: 'web-dg' })],
    });
    const pipeline = onlyPipeline(f.app.synth().getStackByName(regionalStackName('eu-west-1')).template);
    const deploy = pipeline.Stages[1].Actions[0];
    expect(deploy.ActionTypeId.Provider).toBe('CodeDeploy');
    expect([undefined, 'eu-west-1']).toContain(deploy.Region);
  });
});

describe('scale', () => {
  test('every commercial region: one regional pipeline per region with CodePipeline, the others from home, every template small', () => {
    const regions = COMMERCIAL_REGIONS.filter(r => r !== HOME_REGION);
    const f = fixture(regions, { topology: DeliveryTopology.regionalPipelines() });
    const assembly = f.app.synth();
    const regionalStacks = assembly.stacks.filter(st => st.stackName.includes('-pipeline-'));
    expect(regionalStacks.map(st => st.environment.region).sort()).toEqual(regions.filter(r => offers('codepipeline', r) !== false).sort());
    const homeStages = onlyPipeline(assembly.getStackByName('PipelineStack').template).Stages as any[];
    expect(homeStages.find(st => st.Name === 'Publish').Actions).toHaveLength(regionalStacks.length);
    expect(homeStages.flatMap(st => st.Actions).filter((a: any) => a.ActionTypeId.Provider === 'CodeBuild' && a.Name.includes('.service-x.'))
      .map((a: any) => a.Name.split('.')[0])).toEqual(expect.arrayContaining(regions.filter(r => offers('codepipeline', r) === false)));
    for (const st of assembly.stacks) {
      expect([st.stackName, JSON.stringify(st.template).length < 1_000_000]).toEqual([st.stackName, true]);
    }
  });

  test('many targets in one region lay out within the quotas of its own pipeline', () => {
    const targets = Array.from({ length: 30 }, (_, i) => cfnTarget('eu-west-1', `service-${i}`));
    const f = fixture([], { topology: DeliveryTopology.regionalPipelines(), targets });
    const pipeline = onlyPipeline(f.app.synth().getStackByName(regionalStackName('eu-west-1')).template);
    expect((pipeline.Stages as any[]).map(st => [st.Name, st.Actions.length])).toEqual([['Release', 1], ['Deploy', 30], ['Deploy.2', 30]]);
  });
});

describe('follow the night (the README\'s table)', () => {
  test('a region behind a later window no longer holds a region whose window opens earlier', () => {
    const targets = () => [
      cfnTarget('us-east-1'),
      cfnTarget('ap-southeast-2', 'service-x', { window: DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Australia/Sydney' }) }),
      cfnTarget('eu-west-1', 'service-x', { window: DeploymentWindow.weekdays({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' }) }),
    ];
    const from = new Date('2026-12-07T00:00:00Z'); // a Monday
    const starts = (topology: DeliveryTopology) => {
      const plan = fixture([], { topology, targets: targets() }).pipeline.plan;
      return Object.fromEntries(plan.schedule(from).filter(s => s.stageName.startsWith('Deploy'))
        .map(s => [s.regions[0], s.earliestStart?.toISOString()]));
    };
    expect(starts(DeliveryTopology.singlePipeline())).toEqual({
      'us-east-1': '2026-12-07T00:00:00.000Z',
      'ap-southeast-2': '2026-12-07T14:00:00.000Z',
      'eu-west-1': '2026-12-08T01:00:00.000Z',
    });
    expect(starts(DeliveryTopology.regionalPipelines())).toEqual({
      'us-east-1': '2026-12-07T00:00:00.000Z',
      'ap-southeast-2': '2026-12-07T14:00:00.000Z',
      'eu-west-1': '2026-12-07T01:00:00.000Z',
    });
  });
});

describe('what the regional topology refuses', () => {
  const base = () => {
    const app = testApp();
    const stack = pipelineStack(app);
    return { app, stack, source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }) };
  };

  test('waves', () => {
    const { stack, source } = base();
    expect(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source,
      topology: DeliveryTopology.regionalPipelines(),
      rollout: Rollout.waves([{ name: 'all' }]),
      targets: [cfnTarget('eu-west-1')],
    })).toThrow(/rollout \(waves\) and DeliveryTopology.regionalPipelines\(\) do not combine/);
  });

  test('a target kind that cannot run in a regional pipeline (ECS image input of its own)', () => {
    const { stack, source } = base();
    expect(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source,
      buildStep: PipelineBuild.codeBuild(),
      topology: DeliveryTopology.regionalPipelines(),
      targets: [RegionTarget.ecsBlueGreen({
        region: 'eu-west-1',
        applicationName: 'web',
        deploymentGroupName: 'web-dg',
        taskDefinitionTemplateFile: 'taskdef.json',
        appSpecTemplateFile: 'appspec.yaml',
        containerImageInputs: [{ input: new codepipeline.Artifact('Images') }],
      })],
    })).toThrow(/target web\.web-dg@eu-west-1 cannot be deployed by a regional pipeline .*containerImageInputs\[\]\.input/);
  });

  test('a target that reads a further build output', () => {
    const { stack, source } = base();
    expect(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source,
      buildStep: PipelineBuild.codeBuild({ secondaryOutputs: ['EcsTemplates'] }),
      topology: DeliveryTopology.regionalPipelines(),
      targets: [RegionTarget.ecsBlueGreen({
        region: 'eu-west-1',
        applicationName: 'web',
        deploymentGroupName: 'web-dg',
        templatesOutput: 'EcsTemplates',
        taskDefinitionTemplateFile: 'taskdef.json',
        appSpecTemplateFile: 'appspec.yaml',
      })],
    })).toThrow(/reads the build output 'EcsTemplates', but a regional pipeline receives only the release/);
  });

  test('a home pipeline in PARALLEL mode, which could publish two releases out of order', () => {
    const { stack, source } = base();
    expect(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source,
      executionMode: codepipeline.ExecutionMode.PARALLEL,
      topology: DeliveryTopology.regionalPipelines(),
      targets: [cfnTarget('eu-west-1')],
    })).toThrow(/executionMode PARALLEL and DeliveryTopology.regionalPipelines\(\) do not combine/);
  });

  test('rollback gates in PARALLEL regional pipelines', () => {
    const { stack, source } = base();
    expect(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source,
      topology: DeliveryTopology.regionalPipelines({ executionMode: codepipeline.ExecutionMode.PARALLEL }),
      targets: [cfnTarget('eu-west-1', 'service-x', { gates: { rollbackOnFailure: true } })],
    })).toThrow(/PARALLEL execution mode, where CodePipeline offers no stage rollback/);
  });

  test('a managed policy of the home stack without a literal name', () => {
    const { app, stack, source } = base();
    const policy = new iam.ManagedPolicy(stack, 'DeployPolicy', {
      statements: [new iam.PolicyStatement({ actions: ['sqs:CreateQueue'], resources: [`arn:aws:sqs:eu-west-1:${ACCOUNT}:service-x-queue`] })],
    });
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source,
      topology: DeliveryTopology.regionalPipelines(),
      targets: [cfnTarget('eu-west-1', 'service-x', { deploymentManagedPolicies: [policy] })],
    });
    expect(() => app.synth()).toThrow(/managed policy PipelineStack\/DeployPolicy \(deploymentManagedPolicies\) is defined in stack PipelineStack \(us-west-2\), .*give the policy a literal `managedPolicyName`/);
  });

  test('a managed policy with a literal name is attached by the regional pipeline\'s role', () => {
    const { app, stack, source } = base();
    const policy = new iam.ManagedPolicy(stack, 'DeployPolicy', {
      managedPolicyName: 'service-x-deploy',
      statements: [new iam.PolicyStatement({ actions: ['sqs:CreateQueue'], resources: [`arn:aws:sqs:eu-west-1:${ACCOUNT}:service-x-queue`] })],
    });
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source,
      topology: DeliveryTopology.regionalPipelines(),
      targets: [cfnTarget('eu-west-1', 'service-x', { deploymentManagedPolicies: [policy] })],
    });
    const template = app.synth().getStackByName(regionalStackName('eu-west-1')).template;
    expect(JSON.stringify(template)).toContain(':iam::111111111111:policy/service-x-deploy');
  });

  test('a target kind that binds an action outside its region (one that does not refuse regional pipelines)', () => {
    const { app, stack, source } = base();
    // a kind unaware of regional pipelines: its one step writes to a bucket of the home region
    const elsewhere = sourceBucket(stack, 'Elsewhere');
    const kind = {
      region: 'eu-west-1',
      description: 'elsewhere@eu-west-1',
      id: 'elsewhere@eu-west-1',
      stacks: [],
      steps: [{ name: 'Approve', kind: PlannedActionKind.APPROVAL, runOrder: 1, subject: 'elsewhere' }],
      templatePaths: [],
      secondaryInputs: [],
      _bind: (context: any) => ({
        actions: context.steps.map((named: any) => new codepipeline_actions.S3DeployAction({
          actionName: named.actionName, bucket: elsewhere, input: context.artifacts.templates,
        })),
      }),
    };
    const target = new (RegionTarget as any)(kind, {});
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', { source, topology: DeliveryTopology.regionalPipelines(), targets: [target] });
    void app;
    expect(() => pipeline.buildPipeline()).toThrow(
      /elsewhere@eu-west-1 binds the action 'eu-west-1\.elsewhere\.Approve' in us-west-2, but the regional pipeline in eu-west-1 runs actions in its own region only/);
  });

  test('a pipelineName too long for the regional pipelines\' names', () => {
    const { stack, source } = base();
    expect(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source,
      pipelineName: 'p'.repeat(95),
      topology: DeliveryTopology.regionalPipelines(),
      targets: [cfnTarget('eu-west-1')],
    })).toThrow(/the name of the regional pipeline in eu-west-1 .* is not valid for CodePipeline; use 1 to 100 characters/);
  });

  test('regionalPipeline() before the build, on a single pipeline, and for a region without one', () => {
    const f = regional();
    expect(() => f.pipeline.regionalPipeline('eu-west-1')).toThrow(/available once the pipeline is built; call buildPipeline\(\) first/);
    f.pipeline.buildPipeline();
    expect(() => f.pipeline.regionalPipeline('ca-west-1')).toThrow(/no regional pipeline in 'ca-west-1'; the regional pipelines are in us-east-1, eu-west-1, ap-northeast-1/);
    const single = fixture(['eu-west-1']);
    single.pipeline.buildPipeline();
    expect(() => single.pipeline.regionalPipeline('eu-west-1')).toThrow(/needs the topology DeliveryTopology.regionalPipelines\(\)/);
  });

  test('a target deploying over a regional pipeline\'s stack', () => {
    const { stack, source } = base();
    expect(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source,
      topology: DeliveryTopology.regionalPipelines(),
      targets: [cfnTarget('eu-west-1', regionalStackName('eu-west-1'))],
    })).toThrow(/which is one of the pipeline's own stacks/);
  });
});

describe('cdk-nag AwsSolutions on the regional topology', () => {
  test('S3-managed stores, windows, approvals, a routed region and notifications: no finding', () => {
    expect(nagFindings(regional({ notifications: {} }).app)).toEqual([]);
  });

  test('KMS stores and a CodeDeploy target: no finding', () => {
    const f = fixture([], {
      topology: DeliveryTopology.regionalPipelines(),
      artifactStores: { encryption: ArtifactEncryption.KMS },
      targets: [cfnTarget('eu-west-1'), RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'web-dg' })],
    });
    expect(nagFindings(f.app)).toEqual([]);
  });
});

describe('the example as regional pipelines (example/regional.ts)', () => {
  const { app, pipeline } = exampleApp(fs.mkdtempSync(path.join(os.tmpdir(), 'example-regional-')), { regional: true });
  const assembly = app.synth();

  test('a home pipeline and one pipeline in each target region, each valid for CodePipeline\'s API model', () => {
    const pipelines = assembly.stacks.flatMap(s => Object.entries(s.template.Resources ?? {})
      .filter(([, r]: [string, any]) => r.Type === 'AWS::CodePipeline::Pipeline')
      .map(([id, r]: [string, any]) => [s.stackName, s.environment.region, id, checkPipeline(r.Properties, s.template.Resources)]));
    expect(pipelines.map(([name, region]) => [name, region]).sort()).toEqual([
      ['DeliveryPipeline', 'us-west-2'],
      ['DeliveryPipeline-us-west-2-pipeline-ap-southeast-2', 'ap-southeast-2'],
      ['DeliveryPipeline-us-west-2-pipeline-eu-west-1', 'eu-west-1'],
      ['DeliveryPipeline-us-west-2-pipeline-us-east-1', 'us-east-1'],
    ]);
    for (const [, , , problems] of pipelines) {
      expect(problems).toEqual([]);
    }
  });

  test('follow the night without chaining: each region starts at its own window, Dublin before Sydney', () => {
    const start = new Date('2026-11-23T00:00:00Z'); // a Monday
    const schedule = pipeline.plan.schedule(start, 1);
    const deploy = (region: string) => schedule.find(s => s.pipeline === region && s.stageName === `Deploy.${region}`)!.earliestStart!.toISOString();
    expect(deploy('us-east-1')).toBe('2026-11-23T00:00:00.000Z');
    expect(deploy('eu-west-1')).toBe('2026-11-23T01:00:00.000Z');
    expect(deploy('ap-southeast-2')).toBe('2026-11-23T14:00:00.000Z');
  });
});

describe('what regional pipelines refuse among the newer target kinds', () => {
  type Props = ConstructorParameters<typeof MultiRegionDeliveryPipeline>[2];
  function regionalWith(target: (app: App) => RegionTarget, extra: Partial<Props> = {}): () => void {
    const app = testApp();
    const stack = pipelineStack(app);
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.codeBuild(),
      topology: DeliveryTopology.regionalPipelines(),
      targets: [],
      ...extra,
    });
    return () => {
      pipeline.addTarget(target(app));
      pipeline.buildPipeline();
    };
  }

  test('a target in another account, naming it', () => {
    const kms = { artifactStores: { encryption: ArtifactEncryption.KMS } };
    expect(regionalWith(() => cfnTarget('us-east-1', 'service-x', { account: '222222222222' }), kms))
      .toThrow(/target service-x@us-east-1 \(account 222222222222\) is in account 222222222222; targets in other accounts are delivered by the single pipeline only/);
  });

  test('a CDK stage without a build in the home pipeline (its release would hold no cloud assembly; the rest: test/cdk-stage-regional.test.ts)', () => {
    expect(regionalWith(app => {
      const stage = new Stage(app, 'UsEast1', { env: { account: ACCOUNT, region: 'us-east-1' } });
      withResource(new Stack(stage, 'Service'));
      return RegionTarget.cdkStage(stage);
    }, { buildStep: undefined }))
      .toThrow(/RegionTarget.cdkStage\(UsEast1\): the pipeline has no build, so there is no cloud assembly to deploy/);
  });
});

describe('the newer target kinds and stages with regional pipelines', () => {
  function regionalPlan(props: Partial<ConstructorParameters<typeof MultiRegionDeliveryPipeline>[2]>) {
    const app = testApp();
    const stack = pipelineStack(app);
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.codeBuild(),
      topology: DeliveryTopology.regionalPipelines(),
      targets: [],
      ...props,
    });
    pipeline.buildPipeline();
    app.synth();
    return pipeline.plan.actions.map(a => [a.pipeline, a.stageName, a.region, a.kind]);
  }

  test('a machine image is distributed by the home pipeline, before it publishes the release', () => {
    const rows = regionalPlan({
      machineImage: MachineImageDistribution.fromBuild({ imageIdVariable: 'IMAGE_ID', parameterName: '/service-x/image-id' }),
      targets: [cfnTarget('us-east-1')],
    });
    const home = rows.filter(r => r[0] === 'home').map(r => r[1]);
    expect([...new Set(home)]).toEqual(['Source', 'Build', 'Distribute', 'Publish']);
    expect(rows.filter(r => r[1] === 'Distribute').map(r => r[2])).toEqual([HOME_REGION, 'us-east-1']);
    expect(rows.filter(r => r[0] === 'us-east-1').map(r => r[1])).toEqual(['Release', 'Deploy', 'Deploy']);
  });

  test('a stack set deploys from the regional pipeline of the pipeline\'s region', () => {
    const rows = regionalPlan({ targets: [RegionTarget.stackSet({ stackSetName: 'service-x', templatePath: 't.yaml', regions: ['eu-west-1', 'us-east-1'] })] });
    expect(rows.filter(r => r[3] === PlannedActionKind.STACK_SET)).toEqual([[HOME_REGION, expect.stringMatching(/^Deploy/), HOME_REGION, PlannedActionKind.STACK_SET]]);
  });
});

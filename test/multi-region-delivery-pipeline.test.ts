import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ACCOUNT, HOME_REGION, buildVariables, cfnLint, cfnTarget, fixture, nagFindings, pipelineStack, pipelineTemplate, sourceBucket, testApp,
  roleStatements,
} from './testutil';
import { MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource } from '../src';

describe('pipeline layout', () => {
  test('synthesizes a V2 pipeline: Source, Build, then one Deploy stage with every region side by side', () => {
    const template = pipelineTemplate(fixture());
    template.resourceCountIs('AWS::CodePipeline::Pipeline', 1);
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
    expect(pipeline.Properties.PipelineType).toEqual('V2');
    const stages = pipeline.Properties.Stages;
    expect(stages.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'Deploy']);
    const deploy = stages[2].Actions.map((a: any) => [a.Name, a.Region, a.RunOrder, a.Configuration.ActionMode]);
    expect(deploy).toEqual([
      ['us-east-1.service-x.CreateChangeSet', 'us-east-1', 2, 'CHANGE_SET_REPLACE'],
      ['us-east-1.service-x.ExecuteChangeSet', 'us-east-1', 4, 'CHANGE_SET_EXECUTE'],
      ['eu-west-1.service-x.CreateChangeSet', 'eu-west-1', 2, 'CHANGE_SET_REPLACE'],
      ['eu-west-1.service-x.ExecuteChangeSet', 'eu-west-1', 4, 'CHANGE_SET_EXECUTE'],
      ['ap-southeast-2.service-x.CreateChangeSet', 'ap-southeast-2', 2, 'CHANGE_SET_REPLACE'],
      ['ap-southeast-2.service-x.ExecuteChangeSet', 'ap-southeast-2', 4, 'CHANGE_SET_EXECUTE'],
    ]);
  });

  test('without a build, templates are read from the source artifact', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      targets: [cfnTarget('eu-west-1')],
    });
    const pipeline = Object.values(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0];
    const stages = pipeline.Properties.Stages;
    expect(stages.map((s: any) => s.Name)).toEqual(['Source', 'Deploy']);
    expect(stages[1].Actions[0].Configuration.TemplatePath).toEqual('Source::eu-west-1.template.yaml');
    expect(stages[1].Actions[0].InputArtifacts).toEqual([{ Name: 'Source' }]);
    Template.fromStack(stack).resourceCountIs('AWS::CodeBuild::Project', 0);
  });

  test('with a build, templates are read from the build output', () => {
    const pipeline = Object.values(pipelineTemplate(fixture(['eu-west-1'])).findResources('AWS::CodePipeline::Pipeline'))[0];
    const change = pipeline.Properties.Stages[2].Actions[0];
    expect(change.Configuration.TemplatePath).toEqual('Build::eu-west-1.template.yaml');
    expect(change.InputArtifacts).toEqual([{ Name: 'Build' }]);
  });

  test('targets added with addTarget() before synthesis are deployed', () => {
    const f = fixture(['eu-west-1']);
    f.pipeline.addTarget(cfnTarget('us-east-1'));
    const pipeline = Object.values(pipelineTemplate(f).findResources('AWS::CodePipeline::Pipeline'))[0];
    expect(new Set(pipeline.Properties.Stages[2].Actions.map((a: any) => a.Region))).toEqual(new Set(['eu-west-1', 'us-east-1']));
    expect(f.pipeline.artifactStoreRegions).toEqual([HOME_REGION, 'eu-west-1', 'us-east-1']);
  });

  test('a target in the pipeline region uses the home artifact store', () => {
    const f = fixture([HOME_REGION, 'eu-west-1']);
    expect(f.pipeline.artifactStoreRegions).toEqual([HOME_REGION, 'eu-west-1']);
    const stackNames = f.app.synth().stacks.map(s => s.stackName).sort();
    expect(stackNames).toEqual(['PipelineStack', 'PipelineStack-us-west-2-artifacts-eu-west-1']);
  });

  test('pipeline name, execution mode and restart are passed through', () => {
    const template = pipelineTemplate(fixture(['eu-west-1'], {
      pipelineName: 'service-x-delivery',
      executionMode: codepipeline.ExecutionMode.QUEUED,
      restartExecutionOnUpdate: true,
    }));
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Name: 'service-x-delivery',
      ExecutionMode: 'QUEUED',
      RestartExecutionOnUpdate: true,
    });
  });
});

describe('escape hatches', () => {
  test('exposes the pipeline, the build project and every artifact bucket', () => {
    const f = fixture(['eu-west-1']);
    f.pipeline.buildPipeline();
    expect(f.pipeline.pipeline.node.path).toEqual('PipelineStack/Pipeline/Pipeline');
    expect(f.pipeline.buildProject).toBeDefined();
    expect(Stack.of(f.pipeline.artifactBucket('eu-west-1')).region).toEqual('eu-west-1');
    expect(Stack.of(f.pipeline.artifactBucket(HOME_REGION)).region).toEqual(HOME_REGION);
    expect(() => f.pipeline.artifactBucket('sa-east-1')).toThrow(/no artifact store in region 'sa-east-1'.*us-west-2, eu-west-1/);
  });

  test('pipeline and buildProject say "build first" before the pipeline is built; plan and buckets work any time', () => {
    const f = fixture(['eu-west-1']);
    expect(() => f.pipeline.pipeline).toThrow(/`pipeline` is available once the pipeline is built; call buildPipeline\(\) first/);
    expect(() => f.pipeline.buildProject).toThrow(/`buildProject` is available once the pipeline is built; call buildPipeline\(\) first/);
    expect(f.pipeline.plan.stages.map(s => s.stageName)).toEqual(['Source', 'Build', 'Deploy']);
    expect(f.pipeline.artifactBucket('eu-west-1')).toBeDefined();
    // reading them does not build: targets can still be added
    f.pipeline.addTarget(cfnTarget('us-east-1'));
    expect(f.pipeline.plan.actionsIn('us-east-1')).toHaveLength(2);
  });

  test('without a build, buildProject is undefined once built', () => {
    const f = fixture(['eu-west-1'], { buildStep: undefined });
    f.pipeline.buildPipeline();
    expect(f.pipeline.buildProject).toBeUndefined();
  });

  test('after the pipeline is built, addTarget() and a second buildPipeline() are rejected', () => {
    const f = fixture(['eu-west-1']);
    f.pipeline.buildPipeline();
    expect(() => f.pipeline.addTarget(cfnTarget('us-east-1'))).toThrow(/cannot add target service-x@us-east-1 after the pipeline was built/);
    expect(() => f.pipeline.buildPipeline()).toThrow(/buildPipeline\(\) was called already/);
  });

  test('the pipeline is built at synthesis when buildPipeline() was not called', () => {
    const f = fixture(['eu-west-1']);
    const pipeline = Object.values(pipelineTemplate(f).findResources('AWS::CodePipeline::Pipeline'))[0];
    expect(pipeline.Properties.Stages.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'Deploy']);
    expect(f.pipeline.pipeline.node.path).toEqual('PipelineStack/Pipeline/Pipeline');
  });

  test('a stage added through the escape hatch lands in the synthesized pipeline', () => {
    const f = fixture(['eu-west-1']);
    f.pipeline.buildPipeline();
    f.pipeline.pipeline.addStage({ stageName: 'Done', actions: [new actions.ManualApprovalAction({ actionName: 'Sign-off' })] });
    const pipeline = Object.values(pipelineTemplate(f).findResources('AWS::CodePipeline::Pipeline'))[0];
    expect(pipeline.Properties.Stages.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'Deploy', 'Done']);
  });
});

describe('build', () => {
  test('receives every region\'s artifact bucket, the target regions and the source variables', () => {
    const f = fixture(['us-east-1', 'eu-west-1']);
    const byName = buildVariables(pipelineTemplate(f));
    expect(Object.keys(byName).sort()).toEqual([
      'ARTIFACT_BUCKET_EU_WEST_1', 'ARTIFACT_BUCKET_US_EAST_1', 'ARTIFACT_BUCKET_US_WEST_2',
      'PIPELINE_REGION', 'SOURCE_ETAG', 'SOURCE_VERSION_ID', 'TARGET_REGIONS',
    ]);
    expect(byName.TARGET_REGIONS).toEqual('us-east-1 eu-west-1');
    expect(byName.PIPELINE_REGION).toEqual('us-west-2');
    expect(byName.ARTIFACT_BUCKET_US_WEST_2).toEqual('${PipelineArtifactStoreBucketA4DDD734}');
    expect(byName.SOURCE_VERSION_ID).toEqual('#{Source.VersionId}');
    // cross-region bucket names are literals known at synth time
    const euBucket = f.app.synth().getStackByName('PipelineStack-us-west-2-artifacts-eu-west-1').template.Resources;
    const euBucketName = Object.values(euBucket).find((r: any) => r.Type === 'AWS::S3::Bucket') as any;
    expect(byName.ARTIFACT_BUCKET_EU_WEST_1).toEqual(euBucketName.Properties.BucketName);
  });

  test('the build role may read and put objects in every region\'s store, and delete none', () => {
    const f = fixture(['eu-west-1']);
    const template = pipelineTemplate(f);
    const statements = roleStatements(template, /PipelineBuildProjectRole/);
    const euName = Object.values(f.app.synth().getStackByName('PipelineStack-us-west-2-artifacts-eu-west-1').template.Resources)
      .find((r: any) => r.Type === 'AWS::S3::Bucket') as any;
    const onEu = statements.filter(s => JSON.stringify(s.Resource).includes(euName.Properties.BucketName));
    const granted = onEu.flatMap(s => [].concat(s.Action));
    expect(granted).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:PutObject']));
    expect(granted.some(a => /Delete/.test(a))).toBe(false);
    expect(statements.flatMap(s => [].concat(s.Action)).some(a => a === '*' || a === 's3:*')).toBe(false);
  });

  test('the pipeline region\'s store is granted once: read and write through the build action, no second statement', () => {
    const f = fixture(['eu-west-1', 'us-east-1']);
    expect(nagFindings(f.app)).toEqual([]);
    const assembly = f.app.synth();
    expect(cfnLint(Object.fromEntries(assembly.stacks.map(stack => [stack.stackName, stack.template])))).toBe('');
    const template = pipelineTemplate(f);
    const statements = roleStatements(template, /PipelineBuildProjectRole/);
    const homeArn = { 'Fn::GetAtt': ['PipelineArtifactStoreBucketA4DDD734', 'Arn'] };
    const onHome = statements.filter(s => JSON.stringify(s.Resource).includes(JSON.stringify(homeArn)));
    // the build writes its output artifact to the pipeline's store (aws-cdk-lib's CodeBuildAction grants it)
    expect(onHome).toHaveLength(1);
    expect(onHome[0].Action).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:PutObject', 's3:List*']));
    // the other regions' stores: read and put, each named once per statement, in two statements
    const others = statements.filter(s => /mrdp-[0-9a-f]+-111111111111-(eu-west-1|us-east-1)/.test(JSON.stringify(s.Resource)));
    expect(others.map(s => [].concat(s.Action).sort())).toEqual([
      ['s3:GetBucket*', 's3:GetObject*', 's3:List*'],
      ['s3:Abort*', 's3:PutObject', 's3:PutObjectLegalHold', 's3:PutObjectRetention', 's3:PutObjectTagging', 's3:PutObjectVersionTagging'],
    ]);
    expect(others.every(s => !JSON.stringify(s.Resource).includes('PipelineArtifactStoreBucket'))).toBe(true);
  });

  test('uses the standard 7.0 image and a small compute type unless told otherwise', () => {
    pipelineTemplate(fixture(['eu-west-1'])).hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: { Image: 'aws/codebuild/standard:7.0', ComputeType: 'BUILD_GENERAL1_SMALL' },
      TimeoutInMinutes: 30,
    });
  });
});

describe('source', () => {
  test('the pipeline starts on the source object\'s EventBridge event, never by polling', () => {
    const f = fixture(['eu-west-1']);
    const template = pipelineTemplate(f);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['Object Created'],
        'detail': { bucket: { name: [{ Ref: Match.stringLikeRegexp('SourceBucket') }] }, object: { key: ['source.zip'] } },
      },
      Targets: [Match.objectLike({ Arn: Match.anyValue() })],
    });
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
    expect(pipeline.Properties.Stages[0].Actions[0].Configuration.PollForSourceChanges).toBe(false);
    // EventBridge notifications are turned on for the bucket
    template.hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
  });
});

describe('synth-time errors', () => {
  test('a pipeline stack without a concrete account or region is rejected', () => {
    const app = new App();
    const stack = new Stack(app, 'Agnostic');
    expect(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      targets: [cfnTarget('eu-west-1')],
    })).toThrow(/stack Agnostic must have a concrete account and region \(got account 'unresolved', region 'unresolved'\)/);
    const regionOnly = new Stack(app, 'RegionOnly', { env: { region: 'us-west-2' } });
    expect(() => new MultiRegionDeliveryPipeline(regionOnly, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(regionOnly), objectKey: 'a.zip' }),
      targets: [cfnTarget('eu-west-1')],
    })).toThrow(/got account 'unresolved', region 'us-west-2'/);
  });

  test('a pipeline without targets fails synthesis', () => {
    const f = fixture([]);
    expect(() => f.app.synth()).toThrow(/MultiRegionDeliveryPipeline has no targets/);
  });

  test('the same stack in the same region twice is rejected, naming both targets', () => {
    expect(() => fixture(['eu-west-1', 'eu-west-1'])).toThrow(/stack 'service-x' in eu-west-1 is deployed by target service-x@eu-west-1 already/);
  });

  test('an application stack that another target uses as infrastructure stack is rejected', () => {
    const f = fixture(['eu-west-1']);
    expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-y', {
      infrastructure: { stackName: 'service-x', templatePath: 'infra.yaml' },
    }))).toThrow(/stack 'service-x' in eu-west-1 is deployed by target service-x@eu-west-1 already/);
  });

  test('the same stack name in different regions is fine', () => {
    expect(() => fixture(['eu-west-1', 'eu-central-1'])).not.toThrow();
  });

  test('an invalid pipeline name is rejected', () => {
    expect(() => fixture(['eu-west-1'], { pipelineName: 'my pipeline!' })).toThrow(/pipelineName 'my pipeline!' is not valid/);
  });

  test('a region unknown to aws-cdk-lib but well formed gives a warning, not an error', () => {
    const f = fixture(['xx-nowhere-9']);
    Annotations.fromStack(f.stack).hasWarning('/PipelineStack/Pipeline', Match.stringLikeRegexp("region 'xx-nowhere-9' is not among the regions"));
  });

  test('a typo in the pipeline\'s own region gives the same warning as one in a target\'s region', () => {
    const app = testApp();
    const stack = new Stack(app, 'PipelineStack', { env: { account: ACCOUNT, region: 'us-west-02' } });
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      targets: [cfnTarget('eu-west-1')],
    });
    const warnings = Annotations.fromStack(stack).findWarning('/PipelineStack/Pipeline', Match.anyValue());
    expect(warnings.map(w => w.entry.data)).toEqual([
      expect.stringMatching(/^the pipeline's stack PipelineStack: region 'us-west-02' is not among the regions aws-cdk-lib knows .*check the spelling\. \[ack: cdk-multi-region-delivery-pipeline:unknownRegion\]$/),
    ]);
  });

  test('a known pipeline region gives no region warning', () => {
    const f = fixture(['eu-west-1']);
    Annotations.fromStack(f.stack).hasNoWarning('/PipelineStack/Pipeline', Match.stringLikeRegexp('unknownRegion'));
  });

  test('a malformed pipeline region is rejected like a target\'s', () => {
    const app = testApp();
    const stack = new Stack(app, 'PipelineStack', { env: { account: ACCOUNT, region: 'uswest2' } });
    expect(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      targets: [cfnTarget('eu-west-1')],
    })).toThrow(/the pipeline's stack PipelineStack: 'uswest2' is not a valid AWS region name/);
  });

  test('a pipeline over 500 actions is rejected with the quota named', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const targets = [];
    for (let i = 0; i < 125; i++) {
      targets.push(cfnTarget('eu-west-1', `service-${i}`, { approval: true, infrastructure: { stackName: `network-${i}`, templatePath: 'n.yaml' } }));
    }
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      buildStep: PipelineBuild.codeBuild(),
      targets,
    });
    expect(() => pipeline.plan).toThrow(/the pipeline would have 502 actions, over CodePipeline's quota of 500 actions per pipeline/);
    expect(() => app.synth()).toThrow(/quota of 500 actions per pipeline/);
  });

  test('a source bucket that is not versioned is rejected', () => {
    const stack = pipelineStack();
    const unversioned = new s3.Bucket(stack, 'Unversioned');
    expect(() => PipelineSource.s3({ bucket: unversioned, objectKey: 'a.zip' })).toThrow(/bucket PipelineStack\/Unversioned is not versioned/);
  });

  test('a source bucket in another region is rejected', () => {
    const app = testApp();
    const other = new Stack(app, 'Other', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const stack = pipelineStack(app);
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(other), objectKey: 'a.zip' }),
      targets: [cfnTarget('eu-west-1')],
    });
    expect(() => pipeline.buildPipeline()).toThrow(/source bucket Other\/SourceBucket is in eu-west-1, but the pipeline is in us-west-2/);
  });

  test('an empty or absolute source object key is rejected', () => {
    const stack = pipelineStack();
    expect(() => PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: '' })).toThrow(/objectKey '' is not a valid S3 object key/);
    expect(() => PipelineSource.s3({ bucket: sourceBucket(stack, 'B2'), objectKey: '/a.zip' })).toThrow(/objectKey '\/a.zip'/);
  });

  test('a source, build and target can serve two pipelines: each gets its own trigger, project and roles', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const source = PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' });
    const build = PipelineBuild.codeBuild();
    const target = cfnTarget('eu-west-1');
    const one = new MultiRegionDeliveryPipeline(stack, 'One', { source, buildStep: build, targets: [target] });
    const two = new MultiRegionDeliveryPipeline(stack, 'Two', { source, buildStep: build, targets: [target] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CodePipeline::Pipeline', 2);
    template.resourceCountIs('AWS::CodeBuild::Project', 2);
    template.resourceCountIs('AWS::Events::Rule', 2);
    expect(one.buildProject).not.toBe(two.buildProject);
  });
});

describe('logical IDs', () => {
  // Renaming any of these replaces a resource on the next deployment: keep them stable.
  test('the pipeline, its stores and its shared roles keep their logical IDs', () => {
    const f = fixture(['eu-west-1']);
    const ids = Object.keys(pipelineTemplate(f).toJSON().Resources);
    expect(ids).toEqual(expect.arrayContaining([
      'Pipeline9850B417',
      'PipelineRoleB27FAA37',
      'PipelineArtifactStoreBucketA4DDD734',
      'PipelineBuildProject5C3F1DAA',
      'PipelineSourceTrigger3E8515C4',
      'PipelineTargetsDeployActionRoleB56262A9',
      'PipelineTargetsDeploymentRole74A038EF',
    ]));
    const regional = Object.keys(f.app.synth().getStackByName('PipelineStack-us-west-2-artifacts-eu-west-1').template.Resources);
    expect(regional).toEqual(expect.arrayContaining(['PipelineStackPipeline9DB740AFBucket44012DB1']));
  });
});

import { CfnParameter, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource } from '../src';
import { ACCOUNT, cfnTarget, fixture, Fixture, HOME_REGION, pipelineStack, pipelineTemplate, sourceBucket, testApp, actionsAllowedOn, roleStatements } from './testutil';

const CONNECTION_ARN = `arn:aws:codeconnections:${HOME_REGION}:${ACCOUNT}:connection/7d2469ff-514a-4e4f-9003-5ca4a43cdc41`;
const LEGACY_CONNECTION_ARN = `arn:aws:codestar-connections:${HOME_REGION}:${ACCOUNT}:connection/7d2469ff-514a-4e4f-9003-5ca4a43cdc41`;

/** A pipeline in us-west-2 with `source`, a CodeBuild build (unless `build` is false) and one target. */
function withSource(source: PipelineSource, build = true): Fixture {
  return fixture(['us-east-1'], { source, buildStep: build ? PipelineBuild.codeBuild() : undefined });
}

/** A CodeCommit repository in the pipeline's stack. */
function repositoryIn(f: { stack: Fixture['stack'] }): codecommit.Repository {
  return new codecommit.Repository(f.stack, 'Repo', { repositoryName: 'service-x' });
}

/** The synthesized pipeline resource's properties. */
function pipelineProps(template: Template): any {
  const pipelines = template.findResources('AWS::CodePipeline::Pipeline');
  const ids = Object.keys(pipelines);
  expect(ids).toHaveLength(1);
  return pipelines[ids[0]].Properties;
}

/** The build action's environment variables, parsed from its rendered configuration. */
function buildEnvironment(template: Template): { [name: string]: string } {
  const build = pipelineProps(template).Stages.find((s: any) => s.Name === 'Build').Actions[0];
  const rendered = build.Configuration.EnvironmentVariables;
  // bucket names are tokens, so the JSON is an Fn::Join; join the literal parts and read the variables we look for
  const text: string = typeof rendered === 'string' ? rendered : rendered['Fn::Join'][1].map((p: any) => typeof p === 'string' ? p : '"TOKEN"').join('');
  const variables: { [name: string]: string } = {};
  for (const match of text.matchAll(/\{"name":"([A-Z_0-9]+)","type":"PLAINTEXT","value":"([^"]*)"\}/g)) {
    variables[match[1]] = match[2];
  }
  return variables;
}

/** Every statement of every IAM policy attached to the role whose logical ID starts with `rolePrefix`. */
function statementsOf(template: Template, rolePrefix: string): any[] {
  return roleStatements(template, new RegExp(`^${rolePrefix}`));
}

describe('PipelineSource.s3', () => {
  test('starts the pipeline with an EventBridge rule on Object Created of the key, never polling', () => {
    const template = pipelineTemplate(fixture(['us-east-1']));
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['Object Created'],
        'detail': { bucket: { name: [{ Ref: Match.stringLikeRegexp('^SourceBucket') }] }, object: { key: ['source.zip'] } },
      },
      Targets: [Match.objectLike({ Arn: Match.anyValue(), RoleArn: Match.anyValue() })],
    });
    const source = pipelineProps(template).Stages[0].Actions[0];
    expect(source.ActionTypeId.Provider).toEqual('S3');
    expect(source.Configuration).toMatchObject({ S3ObjectKey: 'source.zip', PollForSourceChanges: false });
    expect(pipelineProps(template).Triggers).toBeUndefined();
  });

  test('turns on EventBridge notifications of a bucket defined in the app in its template, with no custom resource', () => {
    const template = pipelineTemplate(fixture(['us-east-1']));
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  test('keeps the other notification settings a bucket has in its template', () => {
    const stack = pipelineStack(testApp());
    const bucket = sourceBucket(stack);
    (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      queueConfigurations: [{ event: 's3:ObjectCreated:*', queue: 'arn:aws:sqs:us-west-2:111111111111:q' }],
    };
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket, objectKey: 'source.zip' }), targets: [cfnTarget('us-east-1')],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: {
        QueueConfigurations: [{ Event: 's3:ObjectCreated:*', Queue: 'arn:aws:sqs:us-west-2:111111111111:q' }],
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      },
    });
  });

  test.each([
    ['before', true],
    ['after', false],
  ])('a bucket with aws-cdk-lib notifications added %s the source gets EventBridge from aws-cdk-lib\'s notifications resource, which writes the whole configuration', (_when, before) => {
    const stack = pipelineStack(testApp());
    const bucket = sourceBucket(stack);
    const topic = new sns.Topic(stack, 'Topic');
    const notify = () => bucket.addEventNotification(s3.EventType.OBJECT_REMOVED, new s3n.SnsDestination(topic));
    if (before) { notify(); }
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket, objectKey: 'source.zip' }), targets: [cfnTarget('us-east-1')],
    });
    if (!before) { notify(); }
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: {}, TopicConfigurations: [Match.objectLike({ Events: ['s3:ObjectRemoved:*'] })] },
    });
  });

  test('hands the object version and ETag to the build', () => {
    expect(buildEnvironment(pipelineTemplate(fixture(['us-east-1'])))).toMatchObject({
      SOURCE_VERSION_ID: '#{Source.VersionId}',
      SOURCE_ETAG: '#{Source.ETag}',
    });
  });

  test('shows the object and its variables in the plan', () => {
    const f = fixture(['us-east-1']);
    expect(f.pipeline.plan.actions[0].detail).toMatch(/^s3:\/\/.*\/source\.zip \(VersionId, ETag\)$/);
  });

  test('rejects a bucket without versioning', () => {
    const stack = pipelineStack();
    const bucket = new s3.Bucket(stack, 'Plain');
    expect(() => PipelineSource.s3({ bucket, objectKey: 'source.zip' })).toThrow(/bucket PipelineStack\/Plain is not versioned/);
  });

  test('rejects a bucket in another region than the pipeline', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const bucket = s3.Bucket.fromBucketAttributes(stack, 'Far', { bucketName: 'far-bucket', region: 'eu-west-1' });
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket, objectKey: 'source.zip' }),
      targets: [cfnTarget('us-east-1')],
    });
    expect(() => pipeline.buildPipeline()).toThrow(/source bucket PipelineStack\/Far is in eu-west-1, but the pipeline is in us-west-2/);
  });

  test.each(['', '   ', '/source.zip'])('rejects object key %j', (objectKey) => {
    const stack = pipelineStack();
    expect(() => PipelineSource.s3({ bucket: sourceBucket(stack), objectKey })).toThrow(/objectKey '.*' is not a valid S3 object key/);
  });
});

describe('PipelineSource.connection', () => {
  test('renders the CodeStarSourceConnection action with its namespace', () => {
    const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', { connectionArn: CONNECTION_ARN })));
    const source = pipelineProps(template).Stages[0].Actions[0];
    expect(source).toMatchObject({
      Name: 'Source',
      Namespace: 'Source',
      ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'CodeStarSourceConnection', Version: '1' },
      Configuration: { ConnectionArn: CONNECTION_ARN, FullRepositoryId: 'my-org/service-x', BranchName: 'main' },
    });
    // the trigger alone starts the pipeline: change detection and the clone format keep their defaults
    expect(source.Configuration.DetectChanges).toBeUndefined();
    expect(source.Configuration.OutputArtifactFormat).toBeUndefined();
  });

  test('starts on pushes to the branch through a V2 trigger by default', () => {
    const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', { connectionArn: CONNECTION_ARN })));
    const props = pipelineProps(template);
    expect(props.PipelineType).toEqual('V2');
    expect(props.Triggers).toEqual([{
      ProviderType: 'CodeStarSourceConnection',
      GitConfiguration: { SourceActionName: 'Source', Push: [{ Branches: { Includes: ['main'] } }] },
    }]);
  });

  test('filters pushes on file paths, so a change to docs/** alone does not start the pipeline', () => {
    const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', {
      connectionArn: CONNECTION_ARN,
      filePathsIncludes: ['src/**', 'templates/**'],
      filePathsExcludes: ['docs/**'],
    })));
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Triggers: [{
        ProviderType: 'CodeStarSourceConnection',
        GitConfiguration: {
          SourceActionName: 'Source',
          Push: [{
            Branches: { Includes: ['main'] },
            FilePaths: { Includes: ['src/**', 'templates/**'], Excludes: ['docs/**'] },
          }],
        },
      }],
    });
  });

  test('filters pushes on branch patterns', () => {
    const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', {
      connectionArn: CONNECTION_ARN,
      branchesIncludes: ['main', 'release/**'],
      branchesExcludes: ['release/old-*'],
    })));
    expect(pipelineProps(template).Triggers[0].GitConfiguration.Push).toEqual([
      { Branches: { Includes: ['main', 'release/**'], Excludes: ['release/old-*'] } },
    ]);
  });

  test('excludes branches from the default branch filter', () => {
    const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', {
      connectionArn: CONNECTION_ARN,
      branchesExcludes: ['dependabot/**'],
    })));
    expect(pipelineProps(template).Triggers[0].GitConfiguration.Push).toEqual([
      { Branches: { Includes: ['main'], Excludes: ['dependabot/**'] } },
    ]);
  });

  test('starts on Git tags only when tags are given', () => {
    const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', {
      connectionArn: CONNECTION_ARN,
      tagsIncludes: ['v*'],
      tagsExcludes: ['v*-rc*'],
    })));
    expect(pipelineProps(template).Triggers[0].GitConfiguration.Push).toEqual([
      { Tags: { Includes: ['v*'], Excludes: ['v*-rc*'] } },
    ]);
  });

  test('without triggerOnPush, has no trigger and does not detect changes', () => {
    const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', {
      connectionArn: CONNECTION_ARN,
      triggerOnPush: false,
    })));
    const props = pipelineProps(template);
    expect(props.Triggers).toBeUndefined();
    expect(props.Stages[0].Actions[0].Configuration.DetectChanges).toEqual(false);
  });

  test('lets the source action use a codeconnections connection with both IAM prefixes', () => {
    const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', { connectionArn: CONNECTION_ARN })));
    const statements = statementsOf(template, 'PipelineRole');
    expect(actionsAllowedOn(statements, CONNECTION_ARN)).toEqual(['codeconnections:UseConnection', 'codestar-connections:UseConnection']);
  });

  test('grants only codestar-connections:UseConnection for a codestar-connections ARN', () => {
    const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', { connectionArn: LEGACY_CONNECTION_ARN })));
    const actionsGranted = statementsOf(template, 'PipelineRole').map(s => s.Action).flat();
    expect(actionsGranted).toContain('codestar-connections:UseConnection');
    expect(actionsGranted).not.toContain('codeconnections:UseConnection');
  });

  test('hands commit id, branch, author date and repository to the build', () => {
    const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', { connectionArn: CONNECTION_ARN })));
    expect(buildEnvironment(template)).toMatchObject({
      SOURCE_COMMIT_ID: '#{Source.CommitId}',
      SOURCE_BRANCH_NAME: '#{Source.BranchName}',
      SOURCE_AUTHOR_DATE: '#{Source.AuthorDate}',
      SOURCE_REPOSITORY_NAME: '#{Source.FullRepositoryName}',
    });
  });

  test('shows the repository, branch and variables in the plan', () => {
    const f = withSource(PipelineSource.connection('my-org/service-x', 'main', { connectionArn: CONNECTION_ARN }));
    expect(f.pipeline.plan.actions[0]).toMatchObject({
      kind: 'Source',
      detail: 'connection my-org/service-x@main (CommitId, BranchName, AuthorDate, FullRepositoryName)',
    });
    expect(f.pipeline.plan.actions[1].detail).toBeUndefined();
  });

  describe('full clone', () => {
    test('outputs a clone reference and lets the build role use the connection', () => {
      const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', {
        connectionArn: CONNECTION_ARN,
        fullClone: true,
      })));
      expect(pipelineProps(template).Stages[0].Actions[0].Configuration.OutputArtifactFormat).toEqual('CODEBUILD_CLONE_REF');
      expect(actionsAllowedOn(statementsOf(template, 'PipelineBuildProjectRole'), CONNECTION_ARN))
        .toEqual(['codeconnections:UseConnection', 'codestar-connections:UseConnection']);
    });

    test('without full clone, the build role does not use the connection', () => {
      const template = pipelineTemplate(withSource(PipelineSource.connection('my-org/service-x', 'main', { connectionArn: CONNECTION_ARN })));
      expect(JSON.stringify(statementsOf(template, 'PipelineBuildProjectRole'))).not.toMatch(/UseConnection/);
    });

    test('is rejected without a build', () => {
      const f = withSource(PipelineSource.connection('my-org/service-x', 'main', { connectionArn: CONNECTION_ARN, fullClone: true }), false);
      expect(() => f.app.synth()).toThrow(/PipelineSource\.connection: fullClone .* the pipeline has no build/);
    });
  });

  test('accepts tokens for repository, branch and connection ARN', () => {
    const f = withSource(PipelineSource.connection(Token.asString({ Ref: 'Repo' }), Token.asString({ Ref: 'Branch' }), {
      connectionArn: Token.asString({ Ref: 'ConnectionArn' }),
    }));
    // the parameters the tokens name (their MaxLength keeps the pipeline within CodePipeline's API limits)
    new CfnParameter(f.stack, 'Repo', { maxLength: 100 });
    new CfnParameter(f.stack, 'Branch', { maxLength: 255 });
    new CfnParameter(f.stack, 'ConnectionArn', { maxLength: 200 });
    const template = pipelineTemplate(f);
    const configuration = pipelineProps(template).Stages[0].Actions[0].Configuration;
    expect(configuration.ConnectionArn).toEqual({ Ref: 'ConnectionArn' });
    expect(JSON.stringify(configuration.FullRepositoryId)).toContain('Fn::Split');
    // the prefix of an unresolved ARN is unknown: grant both
    const actionsGranted = statementsOf(template, 'PipelineRole').map(s => s.Action).flat();
    expect(actionsGranted).toEqual(expect.arrayContaining(['codestar-connections:UseConnection', 'codeconnections:UseConnection']));
  });

  describe('rejects', () => {
    const connection = (repository: string, branch: string, options: Partial<Parameters<typeof PipelineSource.connection>[2]> = {}) =>
      () => PipelineSource.connection(repository, branch, { connectionArn: CONNECTION_ARN, ...options });

    test.each(['service-x', 'my-org/team/service-x', '/service-x', 'my-org/', 'my org/service-x'])('repository %j', (repository) => {
      expect(connection(repository, 'main')).toThrow(new RegExp(`repository '${repository}' is not of the form 'owner/repo'`));
    });

    test('an empty branch', () => {
      expect(connection('my-org/service-x', ' ')).toThrow(/PipelineSource\.connection: the branch is empty/);
    });

    test('a branch with whitespace', () => {
      expect(connection('my-org/service-x', 'my branch')).toThrow(/branch 'my branch' contains whitespace/);
    });

    test.each([
      'arn:aws:codecommit:us-west-2:111111111111:service-x',
      'arn:aws:codeconnections:us-west-2:111111111111:host/abc',
      'arn:aws:codestar-connections:us-west-2:1111:connection/abc',
      'my-connection',
    ])('connection ARN %j', (connectionArn) => {
      expect(connection('my-org/service-x', 'main', { connectionArn }))
        .toThrow(new RegExp(`connectionArn '${connectionArn}' is not a connection ARN; expected arn:aws:codeconnections:`));
    });

    test('more than 8 patterns in a filter list', () => {
      const nine = Array.from({ length: 9 }, (_, i) => `dir${i}/**`);
      expect(connection('my-org/service-x', 'main', { filePathsIncludes: nine }))
        .toThrow(/filePathsIncludes holds 9 patterns; a CodePipeline trigger filter list holds 1 to 8/);
    });

    test('an empty filter list', () => {
      expect(connection('my-org/service-x', 'main', { branchesExcludes: [] }))
        .toThrow(/branchesExcludes holds 0 patterns; a CodePipeline trigger filter list holds 1 to 8/);
    });

    test('a pattern longer than 255 characters', () => {
      const long = 'a'.repeat(256);
      expect(connection('my-org/service-x', 'main', { tagsIncludes: [long] }))
        .toThrow(new RegExp(`tagsIncludes pattern '${long}' is not valid; each pattern is a glob of 1 to 255 characters`));
    });

    test('a blank pattern', () => {
      expect(connection('my-org/service-x', 'main', { filePathsExcludes: [''] }))
        .toThrow(/filePathsExcludes pattern '' is not valid/);
    });

    test('tags combined with file paths or branches', () => {
      expect(connection('my-org/service-x', 'main', { tagsIncludes: ['v*'], filePathsIncludes: ['src/**'] }))
        .toThrow(/tagsIncludes cannot be combined with filePathsIncludes; a CodePipeline push filter holds tags, branches, or branches plus file paths/);
      expect(connection('my-org/service-x', 'main', { tagsExcludes: ['v0*'], branchesIncludes: ['main'] }))
        .toThrow(/tagsExcludes cannot be combined with branchesIncludes/);
    });

    test('filters when triggerOnPush is false', () => {
      expect(connection('my-org/service-x', 'main', { triggerOnPush: false, filePathsIncludes: ['src/**'] }))
        .toThrow(/triggerOnPush is false, so no push starts the pipeline, but filePathsIncludes filter pushes/);
    });

  });
});

describe('PipelineSource.codeCommit', () => {
  test('renders the CodeCommit action, started by events and never by polling', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const repository = repositoryIn({ stack });
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.codeCommit(repository, 'main'),
      buildStep: PipelineBuild.codeBuild(),
      targets: [cfnTarget('us-east-1')],
    });
    const template = Template.fromStack(stack);
    const source = pipelineProps(template).Stages[0].Actions[0];
    expect(source).toMatchObject({
      Name: 'Source',
      Namespace: 'Source',
      ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'CodeCommit', Version: '1' },
      Configuration: { RepositoryName: { 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Name'] }, BranchName: 'main', PollForSourceChanges: false },
    });
    expect(source.Configuration.OutputArtifactFormat).toBeUndefined();
    expect(pipelineProps(template).Triggers).toBeUndefined();
  });

  test('creates an EventBridge rule on the branch that targets the pipeline', () => {
    const stack = pipelineStack();
    const repository = repositoryIn({ stack });
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.codeCommit(repository, 'main'),
      targets: [cfnTarget('us-east-1')],
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.codecommit'],
        'resources': [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Repo'), 'Arn'] }],
        'detail-type': ['CodeCommit Repository State Change'],
        'detail': { event: ['referenceCreated', 'referenceUpdated'], referenceName: ['main'] },
      },
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: Match.anyValue(), RoleArn: Match.anyValue() })],
    });
    template.resourceCountIs('AWS::Events::Rule', 1);
  });

  test('hands commit id, branch, dates and repository to the build', () => {
    const stack = pipelineStack();
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.codeCommit(repositoryIn({ stack }), 'main'),
      buildStep: PipelineBuild.codeBuild(),
      targets: [cfnTarget('us-east-1')],
    });
    expect(buildEnvironment(Template.fromStack(stack))).toMatchObject({
      SOURCE_COMMIT_ID: '#{Source.CommitId}',
      SOURCE_BRANCH_NAME: '#{Source.BranchName}',
      SOURCE_AUTHOR_DATE: '#{Source.AuthorDate}',
      SOURCE_COMMITTER_DATE: '#{Source.CommitterDate}',
      SOURCE_REPOSITORY_NAME: '#{Source.RepositoryName}',
    });
  });

  test('shows the repository, branch and variables in the plan', () => {
    const stack = pipelineStack();
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.codeCommit(repositoryIn({ stack }), 'main'),
      targets: [cfnTarget('us-east-1')],
    });
    expect(pipeline.plan.actions[0].detail)
      .toEqual('codecommit service-x@main (CommitId, BranchName, AuthorDate, CommitterDate, RepositoryName)');
  });

  test('full clone outputs a clone reference and lets the build pull', () => {
    const stack = pipelineStack();
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.codeCommit(repositoryIn({ stack }), 'main', { fullClone: true }),
      buildStep: PipelineBuild.codeBuild(),
      targets: [cfnTarget('us-east-1')],
    });
    const template = Template.fromStack(stack);
    expect(pipelineProps(template).Stages[0].Actions[0].Configuration.OutputArtifactFormat).toEqual('CODEBUILD_CLONE_REF');
    expect(JSON.stringify(statementsOf(template, 'PipelineBuildProjectRole'))).toMatch(/"Action":"codecommit:GitPull","Effect":"Allow","Resource":\{"Fn::GetAtt":\["Repo[0-9A-F]+","Arn"\]\}/);
  });

  test('accepts a repository imported by name (in the pipeline\'s region)', () => {
    const stack = pipelineStack();
    const repository = codecommit.Repository.fromRepositoryName(stack, 'Imported', 'legacy-repo');
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.codeCommit(repository, 'main'),
      targets: [cfnTarget('us-east-1')],
    });
    expect(pipelineProps(Template.fromStack(stack)).Stages[0].Actions[0].Configuration.RepositoryName).toEqual('legacy-repo');
  });

  describe('rejects', () => {
    test('a repository in another region than the pipeline', () => {
      const stack = pipelineStack();
      const repository = codecommit.Repository.fromRepositoryArn(stack, 'Far', `arn:aws:codecommit:eu-west-1:${ACCOUNT}:far-repo`);
      const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
        source: PipelineSource.codeCommit(repository, 'main'),
        targets: [cfnTarget('us-east-1')],
      });
      expect(() => pipeline.buildPipeline()).toThrow(/PipelineSource\.codeCommit: repository far-repo is in eu-west-1, but the pipeline is in us-west-2; CodePipeline source actions run in the pipeline's region/);
    });

    test('an empty branch', () => {
      const stack = pipelineStack();
      expect(() => PipelineSource.codeCommit(repositoryIn({ stack }), '')).toThrow(/PipelineSource\.codeCommit: the branch is empty/);
    });

    test('full clone without a build', () => {
      const app = testApp();
      const stack = pipelineStack(app);
      new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
        source: PipelineSource.codeCommit(repositoryIn({ stack }), 'main', { fullClone: true }),
        targets: [cfnTarget('us-east-1')],
      });
      expect(() => app.synth()).toThrow(/PipelineSource\.codeCommit: fullClone .* but the pipeline has no build/);
    });
  });
});

describe('one source in two pipelines', () => {
  test('each pipeline gets its own source action and trigger', () => {
    const source = PipelineSource.connection('my-org/service-x', 'main', { connectionArn: CONNECTION_ARN });
    const stack = pipelineStack();
    new MultiRegionDeliveryPipeline(stack, 'One', { source, targets: [cfnTarget('us-east-1')] });
    new MultiRegionDeliveryPipeline(stack, 'Two', { source, targets: [cfnTarget('eu-west-1')] });
    const pipelines = Object.values(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'));
    expect(pipelines).toHaveLength(2);
    for (const pipeline of pipelines) {
      expect(pipeline.Properties.Stages[0].Actions[0].Configuration.FullRepositoryId).toEqual('my-org/service-x');
      expect(pipeline.Properties.Triggers).toHaveLength(1);
    }
  });
});

describe('CodeConnections regions', () => {
  test('a connection source in a pipeline region without CodeConnections is rejected, naming the regions that have it', () => {
    const app = testApp();
    const stack = new Stack(app, 'Zurich', { env: { account: ACCOUNT, region: 'eu-central-2' } });
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.connection('my-org/service-x', 'main', { connectionArn: CONNECTION_ARN }),
      targets: [cfnTarget('eu-west-1')],
    });
    expect(() => pipeline.buildPipeline()).toThrow(
      /PipelineSource.connection: the pipeline is in eu-central-2, where AWS CodeConnections is not offered.*Put the pipeline in one of ap-northeast-1, .*us-west-2\./);
  });
});

describe('actions without a role of their own', () => {
  test('the source and build actions run with the pipeline\'s role: no role per action, and the pipeline\'s role holds their grants', () => {
    const template = pipelineTemplate(fixture(['us-east-1']));
    const stages = pipelineProps(template).Stages;
    for (const name of ['Source', 'Build']) {
      expect(stages.find((s: any) => s.Name === name).Actions[0].RoleArn).toBeUndefined();
    }
    expect(Object.keys(template.findResources('AWS::IAM::Role')).filter(id => /CodePipelineActionRole/.test(id))).toEqual([]);
    const actions = statementsOf(template, 'PipelineRole').flatMap(s => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['codebuild:StartBuild', 'codebuild:BatchGetBuilds', 's3:GetObject*']));
    // the deploy actions keep their stage's role
    const deploy = stages.find((s: any) => s.Name === 'Deploy').Actions;
    expect(deploy.every((a: any) => JSON.stringify(a.RoleArn).includes('PipelineTargetsDeployActionRole'))).toBe(true);
  });
});

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { cfnTarget, fixture, flatten, pipelineTemplate, sourceBucket, templateOf, policyDocuments } from './testutil';
import { ArtifactEncryption, MultiRegionDeliveryPipeline, PipelineSource } from '../src';

describe('per-region artifact stores', () => {
  test('one stack per target region outside the pipeline\'s region, named after the pipeline stack, in that region', () => {
    const f = fixture(['us-east-1', 'eu-west-1']);
    const assembly = f.app.synth();
    const stores = assembly.stacks.filter(s => s.stackName.includes('-artifacts-'));
    expect(stores.map(s => [s.stackName, s.environment.region, s.environment.account]).sort()).toEqual([
      ['PipelineStack-us-west-2-artifacts-eu-west-1', 'eu-west-1', '111111111111'],
      ['PipelineStack-us-west-2-artifacts-us-east-1', 'us-east-1', '111111111111'],
    ]);
    // the pipeline's stack is deployed after them
    const pipelineStack = assembly.getStackByName('PipelineStack');
    expect(pipelineStack.dependencies.map(d => d.id).sort()).toEqual(expect.arrayContaining(stores.map(s => s.id).sort()));
  });

  test.each(['us-west-2', 'eu-west-1'])('the store in %s is versioned, private, TLS-only and S3-encrypted by default', (region) => {
    const f = fixture(['eu-west-1']);
    const template = region === 'us-west-2' ? pipelineTemplate(f) : templateOf(f.app, `PipelineStack-us-west-2-artifacts-${region}`);
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [{ Id: 'ExpireOldArtifactVersions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }],
      },
    });
    const policies = template.findResources('AWS::S3::BucketPolicy');
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      expect.objectContaining({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
    ]));
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  test('by default the stores are emptied and deleted with their stacks, so a redeployment does not collide', () => {
    const f = fixture(['eu-west-1']);
    const regional = templateOf(f.app, 'PipelineStack-us-west-2-artifacts-eu-west-1');
    regional.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    // emptied by the pipeline stack's store cleaner (test/store-cleaner.test.ts), not by a provider of its own
    regional.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    regional.resourceCountIs('AWS::Lambda::Function', 0);
    pipelineTemplate(f).resourceCountIs('Custom::ArtifactStoreCleaner', 1);
    pipelineTemplate(f).hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' } }),
      DeletionPolicy: 'Delete',
    });
  });

  test('RETAIN keeps bucket and key and adds no cleaner', () => {
    const f = fixture(['eu-west-1'], { artifactStores: { removalPolicy: RemovalPolicy.RETAIN, encryption: ArtifactEncryption.KMS } });
    const regional = templateOf(f.app, 'PipelineStack-us-west-2-artifacts-eu-west-1');
    regional.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    regional.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    // the alias always goes, so a new key can take its name
    regional.hasResource('AWS::KMS::Alias', { DeletionPolicy: 'Delete' });
    regional.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    pipelineTemplate(f).resourceCountIs('Custom::ArtifactStoreCleaner', 0);
  });

  test('the noncurrent version expiration is configurable', () => {
    const f = fixture(['eu-west-1'], { artifactStores: { noncurrentVersionExpiration: Duration.days(7) } });
    templateOf(f.app, 'PipelineStack-us-west-2-artifacts-eu-west-1').hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } })] },
    });
  });

  test('the pipeline names every region\'s store, with no support stack or key of aws-cdk-lib\'s own', () => {
    const f = fixture(['us-east-1', 'eu-west-1']);
    const template = pipelineTemplate(f);
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
    const stores = pipeline.Properties.ArtifactStores;
    expect(stores.map((s: any) => s.Region)).toEqual(['us-west-2', 'us-east-1', 'eu-west-1']);
    expect(stores.every((s: any) => s.ArtifactStore.EncryptionKey === undefined)).toBe(true);
    const names = f.app.synth().stacks.map(s => s.stackName);
    expect(names.some(n => n.includes('support'))).toBe(false);
    template.resourceCountIs('AWS::KMS::Key', 0);
  });
});

describe('KMS-encrypted stores (opt-in)', () => {
  test('one key per region with rotation, used by the bucket and the pipeline through an alias', () => {
    const f = fixture(['eu-west-1'], { artifactStores: { encryption: ArtifactEncryption.KMS } });
    const regional = templateOf(f.app, 'PipelineStack-us-west-2-artifacts-eu-west-1');
    regional.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    regional.hasResourceProperties('AWS::KMS::Alias', { AliasName: Match.stringLikeRegexp('^alias/PipelineStack-us-west-2-artifacts-eu-west-1/') });
    regional.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] },
    });
    const home = pipelineTemplate(f);
    home.resourceCountIs('AWS::KMS::Key', 1);
    const pipeline = Object.values(home.findResources('AWS::CodePipeline::Pipeline'))[0];
    const eu = pipeline.Properties.ArtifactStores.find((s: any) => s.Region === 'eu-west-1');
    expect(JSON.stringify(eu.ArtifactStore.EncryptionKey)).toMatch(/:kms:eu-west-1:111111111111:alias\/PipelineStack-us-west-2-artifacts-eu-west-1\//);
    // the build is encrypted with the home region's key
    const project = Object.values(home.findResources('AWS::CodeBuild::Project'))[0] as any;
    expect(flatten(project.Properties.EncryptionKey)).toMatch(/^arn:\$\{AWS::Partition\}:kms:us-west-2:111111111111:alias\/PipelineStack\//);
  });

  test('keys in other regions are granted by alias, never on Resource "*"', () => {
    const f = fixture(['eu-west-1'], { artifactStores: { encryption: ArtifactEncryption.KMS } });
    const template = pipelineTemplate(f);
    const statements = policyDocuments(template).flatMap((d: any) => d.Statement);
    const kms = statements.filter(s => [].concat(s.Action).some((a: string) => a.startsWith('kms:')));
    expect(kms.length).toBeGreaterThan(0);
    expect(kms.some(s => s.Resource === '*')).toBe(false);
    const crossRegion = kms.filter(s => JSON.stringify(s.Resource).includes(':kms:eu-west-1:'));
    expect(crossRegion.length).toBeGreaterThanOrEqual(3); // pipeline role, build role, action role, deployment role
    for (const s of crossRegion) {
      expect(s.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': expect.stringMatching(/^alias\/PipelineStack-us-west-2-artifacts-eu-west-1\//) } });
    }
  });
});

describe('two pipelines in one stack', () => {
  test('share each region\'s store stack, with a bucket each', () => {
    const f = fixture(['eu-west-1']);
    new MultiRegionDeliveryPipeline(f.stack, 'Second', {
      source: PipelineSource.s3({ bucket: sourceBucket(f.stack, 'SecondSource'), objectKey: 'b.zip' }),
      targets: [cfnTarget('eu-west-1', 'service-y')],
    });
    const regional = templateOf(f.app, 'PipelineStack-us-west-2-artifacts-eu-west-1');
    regional.resourceCountIs('AWS::S3::Bucket', 2);
    Template.fromStack(f.stack).resourceCountIs('AWS::CodePipeline::Pipeline', 2);
  });
});

describe('deprecations made fatal (JSII_DEPRECATED=fail)', () => {
  const saved = process.env.JSII_DEPRECATED;
  beforeAll(() => { process.env.JSII_DEPRECATED = 'fail'; });
  afterAll(() => {
    if (saved === undefined) { delete process.env.JSII_DEPRECATED; } else { process.env.JSII_DEPRECATED = saved; }
  });

  test('a three-region pipeline synthesizes, and still deploys each store stack before the pipeline\'s', () => {
    const f = fixture(['us-east-1', 'eu-west-1', 'ap-southeast-2']);
    const assembly = f.app.synth();
    const pipelineArtifact = assembly.getStackByName('PipelineStack');
    expect(pipelineArtifact.dependencies.map(d => d.id).filter(id => !id.endsWith('.assets')).sort()).toEqual([
      'PipelineStack-artifacts-ap-southeast-2', 'PipelineStack-artifacts-eu-west-1', 'PipelineStack-artifacts-us-east-1',
    ]);
  });
});

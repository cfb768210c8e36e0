import * as vm from 'vm';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { fixture, pipelineTemplate, templateOf, roleStatements } from './testutil';
import { STORE_CLEANER_HANDLER } from '../src/private/store-cleaner-handler';

const PREFIX = 'mrdp-';

function cleaner(template: Template): any {
  const found = Object.values(template.findResources('Custom::ArtifactStoreCleaner'));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('the store cleaner: one inline Lambda function in the pipeline\'s stack empties every store', () => {
  const f = fixture(['us-east-1', 'eu-west-1', 'ap-east-2']);
  const assembly = f.app.synth();
  const template = pipelineTemplate(f);
  const stores = (cleaner(template).Properties.Stores as any[]);
  const bucketNames = stores.map(s => s.Bucket);

  test('it names every store with its region, the account and the tag it checks', () => {
    expect(stores.map(s => s.Region)).toEqual(['us-west-2', 'us-east-1', 'eu-west-1', 'ap-east-2']);
    expect(bucketNames.every(name => name.startsWith(PREFIX))).toBe(true);
    const props = cleaner(template).Properties;
    expect(props).toMatchObject({ Account: '111111111111', Partition: 'aws', TagKey: 'cdk-multi-region-delivery-pipeline:store-of' });
    // new writes are denied only in the store deleted with the cleaner's own stack
    expect(props.DenyWrites).toEqual([bucketNames[0]]);
    // every store carries the tag with the pipeline's value
    for (const stack of assembly.stacks) {
      const buckets = Object.values(Template.fromJSON(stack.template).findResources('AWS::S3::Bucket'))
        .filter((b: any) => String(b.Properties.BucketName ?? '').startsWith(PREFIX));
      for (const bucket of buckets as any[]) {
        expect(bucket.Properties.Tags).toEqual(expect.arrayContaining([{ Key: props.TagKey, Value: props.TagValue }]));
      }
    }
  });

  test('no store stack holds a Lambda function or custom resource: a bucket and its policy', () => {
    for (const stack of assembly.stacks.filter(s => s.stackName.includes('-artifacts-'))) {
      const types = Object.values(stack.template.Resources as { [id: string]: any }).map(r => r.Type).sort();
      expect(types).toEqual(['AWS::S3::Bucket', 'AWS::S3::BucketPolicy']);
    }
    // and no asset but the templates themselves: no handler to stage, fingerprint or publish in any region
    const files = assembly.artifacts.flatMap(a => Object.values((a as any).contents?.files ?? {}) as any[]);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter(file => !String(file.source.path).endsWith('.template.json'))).toEqual([]);
  });

  test('the function is inline, on the newest Node.js runtime aws-cdk-lib knows', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((r: any) => r.Properties.Code.ZipFile === STORE_CLEANER_HANDLER) as any;
    expect(fn).toBeDefined();
    const newest = lambda.Runtime.ALL.filter(r => r.family === lambda.RuntimeFamily.NODEJS).map(r => r.name)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).pop();
    expect(fn.Properties.Runtime).toBe(newest);
    expect(fn.Properties.Timeout).toBe(900);
  });

  test('its role may touch exactly the stores: tags and versions of the buckets, version deletes in them, the home store\'s policy; and its own log group', () => {
    const [roleId, role] = Object.entries(template.findResources('AWS::IAM::Role', {
      Properties: { Policies: [Match.objectLike({ PolicyName: 'EmptyArtifactStores' })] },
    }))[0] as [string, any];
    const statements = role.Properties.Policies[0].PolicyDocument.Statement;
    expect(roleStatements(template, new RegExp(`^${roleId}$`))).toEqual(statements);
    const arns = bucketNames.map(name => `arn:aws:s3:::${name}`);
    // no managed policy: its logs go to its own log group (90 days), which is deleted after the function (it names the group)
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const [logGroupId, logGroup] = Object.entries<any>(template.findResources('AWS::Logs::LogGroup'))
      .find(([id]) => id.startsWith('PipelineStoreCleanerLogs'))!;
    expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 90 }, DeletionPolicy: 'Delete' });
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((r: any) => r.Properties.Code.ZipFile === STORE_CLEANER_HANDLER) as any;
    expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
    expect(statements).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
      { Action: ['s3:GetBucketTagging', 's3:ListBucketVersions'], Effect: 'Allow', Resource: arns },
      // DeleteObjects documents s3:DeleteObject as always required, s3:DeleteObjectVersion for versions
      { Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'], Effect: 'Allow', Resource: arns.map(arn => `${arn}/*`) },
      { Action: ['s3:GetBucketPolicy', 's3:PutBucketPolicy'], Effect: 'Allow', Resource: arns[0] },
      { Action: 'cloudformation:DescribeStacks', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } },
    ]);
  });

  test('deletion order: the pipeline goes first, then the cleaner, then the home store', () => {
    const resources = template.toJSON().Resources;
    const [pipelineId, pipeline] = Object.entries<any>(resources).find(([, r]) => r.Type === 'AWS::CodePipeline::Pipeline')!;
    const [cleanerId, cleanerResource] = Object.entries<any>(resources).find(([, r]) => r.Type === 'Custom::ArtifactStoreCleaner')!;
    expect(pipeline.DependsOn).toContain(cleanerId);
    const homeBucketId = Object.entries<any>(resources).find(([, r]) => r.Type === 'AWS::S3::Bucket' && r.Properties.BucketName === bucketNames[0])![0];
    expect(cleanerResource.DependsOn).toContain(homeBucketId);
    expect(pipelineId).toBeDefined();
    // and every store stack is deployed before (so destroyed after) the pipeline's stack
    const storeStacks = assembly.stacks.filter(s => s.stackName.includes('-artifacts-')).map(s => s.id).sort();
    expect(assembly.getStackByName('PipelineStack').dependencies.map(d => d.id).sort()).toEqual(expect.arrayContaining(storeStacks));
  });

  test('with RETAIN there is no cleaner and no tag', () => {
    const retained = fixture(['eu-west-1'], { artifactStores: { removalPolicy: RemovalPolicy.RETAIN } });
    pipelineTemplate(retained).resourceCountIs('Custom::ArtifactStoreCleaner', 0);
    pipelineTemplate(retained).resourceCountIs('AWS::Lambda::Function', 0);
    const bucket = Object.values(templateOf(retained.app, 'PipelineStack-us-west-2-artifacts-eu-west-1').findResources('AWS::S3::Bucket'))[0] as any;
    expect(bucket.Properties.Tags).toBeUndefined();
  });
});

/** A fake S3 for the handler: buckets with tags, versions, a policy; and the response CloudFormation gets. */
interface FakeBucket {
  owner: string;
  region: string;
  tags?: { Key: string; Value: string }[];
  versions: { Key: string; VersionId: string }[];
  markers: { Key: string; VersionId: string }[];
  policy?: string;
}

function fakeWorld(buckets: { [name: string]: FakeBucket },
  opts: { pageSize?: number; separateLimits?: boolean; remainingMs?: () => number; failDelete?: string; stackStatus?: string } = {}) {
  const calls: string[] = [];
  const responses: any[] = [];
  const error = (name: string) => Object.assign(new Error(name), { name });
  const find = (input: any) => {
    const bucket = buckets[input.Bucket];
    if (!bucket) { throw error('NoSuchBucket'); }
    if (input.ExpectedBucketOwner !== bucket.owner) { throw error('AccessDenied'); }
    return bucket;
  };
  const handlers: { [name: string]: (input: any, region: string) => any } = {
    GetBucketTagging: input => {
      const b = find(input);
      if (!b.tags) { throw error('NoSuchTagSet'); }
      return { TagSet: b.tags };
    },
    ListObjectVersions: input => {
      const b = find(input);
      const size = Math.min(opts.pageSize ?? 1000, input.MaxKeys ?? 1000);
      const versions = b.versions.slice(0, size);
      // separateLimits: MaxKeys read as a limit on versions and on delete markers each (S3 says "key names")
      const markers = b.markers.slice(0, opts.separateLimits ? size : size - versions.length);
      return { Versions: versions, DeleteMarkers: markers, IsTruncated: b.versions.length + b.markers.length > size };
    },
    DeleteObjects: input => {
      const b = find(input);
      if (opts.failDelete) { return { Errors: [{ Key: input.Delete.Objects[0].Key, Code: opts.failDelete }] }; }
      if (input.Delete.Objects.length > 1000) { throw error('MalformedXML'); }
      const gone = new Set(input.Delete.Objects.map((o: any) => `${o.Key}@${o.VersionId}`));
      b.versions = b.versions.filter(v => !gone.has(`${v.Key}@${v.VersionId}`));
      b.markers = b.markers.filter(v => !gone.has(`${v.Key}@${v.VersionId}`));
      return {};
    },
    GetBucketPolicy: input => {
      const b = find(input);
      if (!b.policy) { throw error('NoSuchBucketPolicy'); }
      return { Policy: b.policy };
    },
    PutBucketPolicy: input => { find(input).policy = input.Policy; return {}; },
  };
  const sdk: any = {
    S3Client: class {
      constructor(public readonly config: { region: string }) {} public async send(command: any) {
        calls.push(`${command.name} ${command.input.Bucket} ${this.config.region}`);
        const b = buckets[command.input.Bucket];
        if (b && b.region !== this.config.region) { throw error('PermanentRedirect'); }
        return handlers[command.name](command.input, this.config.region);
      }
    },
  };
  for (const name of Object.keys(handlers)) {
    sdk[`${name}Command`] = class { public readonly name = name; constructor(public readonly input: any) {} };
  }
  const https = {
    request: (url: string, options: any, callback: (res: any) => void) => ({
      on: () => undefined,
      end: (body: string) => {
        responses.push({ url, method: options.method, ...JSON.parse(body) });
        callback({ resume: () => undefined, on: (_event: string, done: () => void) => done() });
      },
    }),
  };
  const module = { exports: {} as any };
  const cfn = {
    CloudFormationClient: class {
      public async send(command: any) {
        calls.push(`DescribeStacks ${command.input.StackName}`);
        return { Stacks: [{ StackStatus: opts.stackStatus ?? 'DELETE_IN_PROGRESS' }] };
      }
    },
    DescribeStacksCommand: class { constructor(public readonly input: any) {} },
  };
  const requireFake = (id: string) => ({ '@aws-sdk/client-s3': sdk, '@aws-sdk/client-cloudformation': cfn, 'https': https } as any)[id];
  vm.runInNewContext(STORE_CLEANER_HANDLER, { require: requireFake, module, exports: module.exports, console: { log: () => undefined }, Buffer });
  const invoke = async (event: any) => module.exports.handler({
    StackId: 'stack-id', RequestId: 'req', LogicalResourceId: 'Cleaner', ResponseURL: 'https://cfn-response.example/put', ...event,
  }, { getRemainingTimeInMillis: opts.remainingMs ?? (() => 600_000) });
  return { calls, responses, invoke };
}

const TAG = { Key: 'cdk-multi-region-delivery-pipeline:store-of', Value: 'mrdp-0123456789' };
const PROPS = { Account: '111111111111', Partition: 'aws', TagKey: TAG.Key, TagValue: TAG.Value };
const versions = (n: number, prefix = 'a') => Array.from({ length: n }, (_, i) => ({ Key: `${prefix}/${i}`, VersionId: `v${i}` }));

function store(region: string, extra: Partial<FakeBucket> = {}): FakeBucket {
  return { owner: '111111111111', region, tags: [TAG], versions: versions(3), markers: versions(2, 'm'), ...extra };
}

describe('the store cleaner\'s handler', () => {
  test('on delete it empties every store in its own region (versions and delete markers), and answers SUCCESS', async () => {
    const buckets = { 'mrdp-0123456789-111111111111-us-west-2': store('us-west-2'), 'mrdp-0123456789-111111111111-eu-west-1': store('eu-west-1', { versions: versions(2500) }) };
    const world = fakeWorld(buckets);
    await world.invoke({
      RequestType: 'Delete',
      PhysicalResourceId: 'Cleaner',
      ResourceProperties: { ...PROPS, Stores: Object.entries(buckets).map(([Bucket, b]) => ({ Bucket, Region: b.region })), DenyWrites: ['mrdp-0123456789-111111111111-us-west-2'] },
    });
    expect(Object.values(buckets).map(b => b.versions.length + b.markers.length)).toEqual([0, 0]);
    expect(world.responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'Cleaner', StackId: 'stack-id', RequestId: 'req', LogicalResourceId: 'Cleaner', method: 'PUT' })]);
    // new writes denied in the home store before it was emptied, not in the other
    const home = buckets['mrdp-0123456789-111111111111-us-west-2'];
    expect(JSON.parse(home.policy!).Statement).toEqual([
      { Sid: 'DenyWritesWhileEmptied', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::mrdp-0123456789-111111111111-us-west-2/*' },
    ]);
    expect(buckets['mrdp-0123456789-111111111111-eu-west-1'].policy).toBeUndefined();
    expect(world.calls.indexOf('PutBucketPolicy mrdp-0123456789-111111111111-us-west-2 us-west-2'))
      .toBeLessThan(world.calls.indexOf('DeleteObjects mrdp-0123456789-111111111111-us-west-2 us-west-2'));
  });

  test('a page of versions and delete markers never makes a DeleteObjects of more than 1,000 keys, however S3 counts MaxKeys', async () => {
    const name = 'mrdp-0123456789-111111111111-eu-west-1';
    const buckets = { [name]: store('eu-west-1', { versions: versions(1500), markers: versions(1500, 'm') }) };
    const world = fakeWorld(buckets, { separateLimits: true });
    await world.invoke({ RequestType: 'Delete', PhysicalResourceId: 'Cleaner', ResourceProperties: { ...PROPS, Stores: [{ Bucket: name, Region: 'eu-west-1' }] } });
    expect(world.responses[0]).toMatchObject({ Status: 'SUCCESS' });
    expect(buckets[name].versions.length + buckets[name].markers.length).toBe(0);
  });

  test('it never empties a bucket without the pipeline\'s tag, of another account, or with another tag value', async () => {
    const buckets = {
      untagged: store('eu-west-1', { tags: undefined }),
      otherValue: store('eu-west-1', { tags: [{ Key: TAG.Key, Value: 'mrdp-ffffffffff' }] }),
      otherAccount: store('eu-west-1', { owner: '222222222222' }),
    };
    const world = fakeWorld(buckets);
    await world.invoke({ RequestType: 'Delete', PhysicalResourceId: 'Cleaner', ResourceProperties: { ...PROPS, Stores: Object.keys(buckets).map(Bucket => ({ Bucket, Region: 'eu-west-1' })) } });
    expect(Object.values(buckets).map(b => b.versions.length)).toEqual([3, 3, 3]);
    expect(world.calls.filter(c => c.startsWith('DeleteObjects'))).toEqual([]);
    // a bucket of another account is a failure to look at, not a success: the delete fails and says which
    expect(world.responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/AccessDenied/) });
  });

  test('a retried delete is idempotent: missing buckets are skipped, an empty store stays empty, the deny statement is not repeated', async () => {
    const buckets = { home: store('us-west-2') };
    const world = fakeWorld(buckets);
    const event = { RequestType: 'Delete', PhysicalResourceId: 'Cleaner', ResourceProperties: { ...PROPS, Stores: [{ Bucket: 'home', Region: 'us-west-2' }, { Bucket: 'gone', Region: 'eu-west-1' }], DenyWrites: ['home'] } };
    await world.invoke(event);
    await world.invoke(event);
    expect(world.responses.map(r => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(JSON.parse(buckets.home.policy!).Statement).toHaveLength(1);
  });

  test('when its time runs short it answers FAILED, and the next attempt goes on', async () => {
    let remaining = 600_000;
    // pages of 500 (ListObjectVersions' MaxKeys): three pages before the time runs short
    const buckets = { big: store('eu-west-1', { versions: versions(2000) }) };
    const world = fakeWorld(buckets, { remainingMs: () => { remaining -= 150_000; return remaining; } });
    const event = { RequestType: 'Delete', PhysicalResourceId: 'Cleaner', ResourceProperties: { ...PROPS, Stores: [{ Bucket: 'big', Region: 'eu-west-1' }] } };
    await world.invoke(event);
    expect(world.responses[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/big: 1500 versions deleted, more remain; delete the stack again/) });
    remaining = 600_000;
    await world.invoke(event);
    expect(world.responses[1].Status).toBe('SUCCESS');
    expect(buckets.big.versions.length + buckets.big.markers.length).toBe(0);
  });

  test('an object S3 refuses to delete fails the delete with its key and code', async () => {
    const world = fakeWorld({ b: store('eu-west-1') }, { failDelete: 'AccessDenied' });
    await world.invoke({ RequestType: 'Delete', PhysicalResourceId: 'Cleaner', ResourceProperties: { ...PROPS, Stores: [{ Bucket: 'b', Region: 'eu-west-1' }] } });
    expect(world.responses[0]).toMatchObject({ Status: 'FAILED', Reason: 'b: AccessDenied deleting a/0' });
  });

  test('a delete while the stack is not being deleted (rollback of the update that added the cleaner) leaves every store as it is', async () => {
    const buckets = { home: store('us-west-2') };
    const world = fakeWorld(buckets, { stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' });
    await world.invoke({ RequestType: 'Delete', PhysicalResourceId: 'Cleaner', ResourceProperties: { ...PROPS, Stores: [{ Bucket: 'home', Region: 'us-west-2' }], DenyWrites: ['home'] } });
    expect(world.calls).toEqual(['DescribeStacks stack-id']);
    expect(buckets.home.versions).toHaveLength(3);
    expect(buckets.home.policy).toBeUndefined();
    expect(world.responses[0].Status).toBe('SUCCESS');
  });

  test('create does nothing; update empties only the stores that left the pipeline', async () => {
    const buckets = { kept: store('eu-west-1'), dropped: store('ap-southeast-2') };
    const world = fakeWorld(buckets);
    await world.invoke({ RequestType: 'Create', ResourceProperties: { ...PROPS, Stores: [{ Bucket: 'kept', Region: 'eu-west-1' }] } });
    expect(world.calls).toEqual([]);
    expect(world.responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'Cleaner' });
    await world.invoke({
      RequestType: 'Update',
      PhysicalResourceId: 'Cleaner',
      ResourceProperties: { ...PROPS, Stores: [{ Bucket: 'kept', Region: 'eu-west-1' }] },
      OldResourceProperties: { ...PROPS, Stores: [{ Bucket: 'kept', Region: 'eu-west-1' }, { Bucket: 'dropped', Region: 'ap-southeast-2' }] },
    });
    expect(buckets.kept.versions).toHaveLength(3);
    expect(buckets.dropped.versions).toHaveLength(0);
    expect(buckets.dropped.policy).toBeUndefined();
    expect(world.responses[1].Status).toBe('SUCCESS');
  });
});

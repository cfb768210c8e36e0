import * as vm from 'vm';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { cfnTarget, fixture, nagFindings } from './testutil';
import { DeliveryTopology, PipelineSource } from '../src';
import { publisherParameters } from '../src/private/release-publisher';
import { RELEASE_PUBLISHER_HANDLER } from '../src/private/release-publisher-handler';

const ACCOUNT = '111111111111';
const GiB = 1024 ** 3;
const HOME_STORE = 'mrdp-0123456789-111111111111-us-west-2';
const DUBLIN_STORE = 'mrdp-0123456789-111111111111-eu-west-1';

/** An object of the fake S3: its bytes (as a length), metadata and the calls that made it. */
interface FakeObject { size: number; metadata?: { [k: string]: string }; version: string; madeBy: string }

/**
 * A fake S3 and CodePipeline for the handler: buckets by region and owner, objects by key, and the
 * job results CodePipeline gets. Every S3 call is checked for the region of its bucket and for the
 * expected owners, as S3 checks them.
 */
function fakeWorld(opts: { size?: number; remainingMs?: () => number; failCopy?: string; failPart?: number } = {}) {
  const buckets: { [name: string]: { region: string; owner: string; objects: { [key: string]: FakeObject } } } = {
    [HOME_STORE]: { region: 'us-west-2', owner: ACCOUNT, objects: { 'Pipeline/Build/AbC12 x': { size: opts.size ?? 1234, version: 'h1', madeBy: 'build' } } },
    [DUBLIN_STORE]: { region: 'eu-west-1', owner: ACCOUNT, objects: {} },
  };
  const calls: string[] = [];
  const results: any[] = [];
  const uploads: { [id: string]: { parts: { n: number; range: string }[]; metadata: any } } = {};
  const error = (name: string) => Object.assign(new Error(`${name} (fake)`), { name });
  const bucketOf = (input: any, region: string) => {
    const bucket = buckets[input.Bucket];
    if (!bucket) { throw error('NoSuchBucket'); }
    if (bucket.region !== region) { throw error('PermanentRedirect'); }
    if (input.ExpectedBucketOwner !== bucket.owner) { throw error('AccessDenied'); }
    return bucket;
  };
  const sourceOf = (input: any) => {
    if (input.ExpectedSourceBucketOwner !== ACCOUNT) { throw error('AccessDenied'); }
    const [bucket, ...key] = String(input.CopySource).split('/');
    const object = buckets[decodeURIComponent(bucket)]?.objects[key.map(decodeURIComponent).join('/')];
    if (!object) { throw error('NoSuchKey'); }
    return object;
  };
  let versions = 0;
  const handlers: { [name: string]: (input: any, region: string) => any } = {
    HeadObject: (input, region) => {
      const object = bucketOf(input, region).objects[input.Key];
      if (!object) { throw error('NotFound'); }
      return { ContentLength: object.size };
    },
    CopyObject: (input, region) => {
      const bucket = bucketOf(input, region);
      if (opts.failCopy) { throw error(opts.failCopy); }
      const source = sourceOf(input);
      if (source.size > 5 * GiB) { throw error('InvalidRequest'); }
      expect(input).toMatchObject({ MetadataDirective: 'REPLACE', TaggingDirective: 'REPLACE' });
      const version = `v${++versions}`;
      bucket.objects[input.Key] = { size: source.size, metadata: input.Metadata, version, madeBy: 'CopyObject' };
      return { VersionId: version };
    },
    CreateMultipartUpload: (input, region) => {
      bucketOf(input, region);
      uploads.u1 = { parts: [], metadata: input.Metadata };
      return { UploadId: 'u1' };
    },
    UploadPartCopy: (input, region) => {
      bucketOf(input, region);
      sourceOf(input);
      if (input.PartNumber === opts.failPart) { throw error('SlowDown'); }
      uploads[input.UploadId].parts.push({ n: input.PartNumber, range: input.CopySourceRange });
      return { CopyPartResult: { ETag: `"e${input.PartNumber}"` } };
    },
    CompleteMultipartUpload: (input, region) => {
      const bucket = bucketOf(input, region);
      const upload = uploads[input.UploadId];
      expect(input.MultipartUpload.Parts.map((p: any) => p.PartNumber)).toEqual(upload.parts.map(p => p.n));
      const version = `v${++versions}`;
      bucket.objects[input.Key] = { size: opts.size!, metadata: upload.metadata, version, madeBy: 'CompleteMultipartUpload' };
      return { VersionId: version };
    },
    AbortMultipartUpload: (input, region) => { bucketOf(input, region); delete uploads[input.UploadId]; return {}; },
  };
  const s3: any = {
    S3Client: class {
      public readonly region: string;
      constructor(config: { region?: string }) { this.region = config.region ?? 'us-west-2'; }
      public async send(command: any) {
        calls.push(`${command.name} ${command.input.Bucket} ${this.region}`);
        return handlers[command.name](command.input, this.region);
      }
    },
  };
  for (const name of Object.keys(handlers)) {
    s3[`${name}Command`] = class { public readonly name = name; constructor(public readonly input: any) {} };
  }
  const cp: any = {
    CodePipelineClient: class { public async send(command: any) { results.push({ [command.name]: command.input }); return {}; } },
    PutJobSuccessResultCommand: class { public readonly name = 'PutJobSuccessResult'; constructor(public readonly input: any) {} },
    PutJobFailureResultCommand: class { public readonly name = 'PutJobFailureResult'; constructor(public readonly input: any) {} },
  };
  const logs: string[] = [];
  const module = { exports: {} as any };
  const requireFake = (id: string) => ({ '@aws-sdk/client-s3': s3, '@aws-sdk/client-codepipeline': cp } as any)[id];
  const console = { log: (line: string) => logs.push(line) };
  vm.runInNewContext(RELEASE_PUBLISHER_HANDLER, { require: requireFake, module, exports: module.exports, console });
  const invoke = (metadata: { [k: string]: string }, region = 'eu-west-1', bucket = DUBLIN_STORE,
    userParameters = publisherParameters({ Region: region, Bucket: bucket, Key: 'release/release.zip' }, metadata)) => module.exports.handler({
    'CodePipeline.job': {
      id: 'job-1',
      accountId: ACCOUNT,
      data: {
        actionConfiguration: {
          configuration: { FunctionName: 'publisher', UserParameters: userParameters },
        },
        inputArtifacts: [{ name: 'Build', location: { type: 'S3', s3Location: { bucketName: HOME_STORE, objectKey: 'Pipeline/Build/AbC12 x' } } }],
        artifactCredentials: { accessKeyId: 'AKIDSECRET', secretAccessKey: 'SECRET', sessionToken: 'TOKEN' },
      },
    },
  }, { getRemainingTimeInMillis: opts.remainingMs ?? (() => 600_000) });
  return { buckets, calls, results, logs, invoke, uploads };
}

const METADATA = { 'source-commit-id': '0123abcd', 'source-branch-name': 'main', 'pipeline-execution-id': 'exec-42' };

describe('the release publisher\'s handler', () => {
  test('it copies the release server-side to the region\'s release key with the metadata and a revision summary, and reports the version', async () => {
    const world = fakeWorld();
    await world.invoke(METADATA);
    expect(world.calls).toEqual([`HeadObject ${HOME_STORE} us-west-2`, `CopyObject ${DUBLIN_STORE} eu-west-1`]);
    const release = world.buckets[DUBLIN_STORE].objects['release/release.zip'];
    expect(release).toEqual({
      size: 1234,
      version: 'v1',
      madeBy: 'CopyObject',
      metadata: {
        ...METADATA,
        'codepipeline-artifact-revision-summary': 'source-commit-id=0123abcd, source-branch-name=main, pipeline-execution-id=exec-42',
      },
    });
    expect(world.results).toEqual([{
      PutJobSuccessResult: {
        jobId: 'job-1',
        executionDetails: { summary: `Released to s3://${DUBLIN_STORE}/release/release.zip, version v1`, externalExecutionId: 'v1', percentComplete: 100 },
      },
    }]);
    // never the event, which holds the artifact credentials
    expect(world.logs.join('\n')).not.toMatch(/SECRET|TOKEN|AKID/);
  });

  test('substituted values that would break JSON (quotes, backslashes, newlines, a name= inside a value) reach the metadata as they are', async () => {
    // CodePipeline substitutes variables without escaping them (aws-cdk issue 31213): a branch may hold a ", an S3 ETag is quoted
    const values = {
      'source-etag': '"9b2cf535f27731c974343645a3985328"',
      'source-branch-name': 'fix/"quoted"\\path',
      'source-author-date': 'line one\nsource-branch-name=not a new line\nline three',
      'pipeline-execution-id': 'exec-42',
    };
    const world = fakeWorld();
    await world.invoke(values);
    expect(world.results[0]).toHaveProperty('PutJobSuccessResult');
    const metadata = world.buckets[DUBLIN_STORE].objects['release/release.zip'].metadata!;
    expect(metadata['source-etag']).toBe(values['source-etag']);
    expect(metadata['source-branch-name']).toBe(values['source-branch-name']);
    // printable ASCII: the newlines percent-encoded, the text kept
    expect(metadata['source-author-date']).toBe('line one%0Asource-branch-name=not a new line%0Aline three');
    expect(metadata['pipeline-execution-id']).toBe('exec-42');
  });

  test('UserParameters without a named value line fail the job, naming the line', async () => {
    const world = fakeWorld();
    const broken = `${JSON.stringify({ Region: 'eu-west-1', Bucket: DUBLIN_STORE, Key: 'release/release.zip', Metadata: ['source-etag', 'pipeline-execution-id'] })}\nsource-etag=x`;
    await world.invoke({}, 'eu-west-1', DUBLIN_STORE, broken);
    expect(world.results).toEqual([{ PutJobFailureResult: { jobId: 'job-1', failureDetails: { type: 'JobFailed', message: 'Error: UserParameters: no line pipeline-execution-id=' } } }]);
    expect(world.calls).toEqual([]);
  });

  test('the release of the home region goes to the home store', async () => {
    const world = fakeWorld();
    await world.invoke(METADATA, 'us-west-2', HOME_STORE);
    expect(world.calls).toEqual([`HeadObject ${HOME_STORE} us-west-2`, `CopyObject ${HOME_STORE} us-west-2`]);
    expect(world.buckets[HOME_STORE].objects['release/release.zip'].metadata!['pipeline-execution-id']).toBe('exec-42');
  });

  test('metadata stays printable ASCII and within S3\'s 2 KB: other characters are percent-encoded, long values cut', async () => {
    const world = fakeWorld();
    await world.invoke({ 'source-branch-name': 'feature/ünïcode', 'source-commit-message': 'x'.repeat(5000), 'pipeline-execution-id': 'exec-42' });
    const metadata = world.buckets[DUBLIN_STORE].objects['release/release.zip'].metadata!;
    expect(metadata['source-branch-name']).toBe('feature/%C3%BCn%C3%AFcode');
    expect(metadata['source-commit-message']).toHaveLength(256);
    // counted as S3 may count them: every key with its x-amz-meta- prefix
    const bytes = Object.entries(metadata).reduce((n, [k, v]) => n + Buffer.byteLength(`x-amz-meta-${k}`) + Buffer.byteLength(v), 0);
    expect(bytes).toBeLessThanOrEqual(2048);
    expect(metadata['codepipeline-artifact-revision-summary'].startsWith('source-branch-name=feature/%C3%BCn%C3%AFcode, ')).toBe(true);
    expect(Object.values(metadata).every(v => /^[\x20-\x7e]*$/.test(v))).toBe(true);
  });

  test('when the values fill S3\'s 2 KB, the summary is cut so that keys (with their x-amz-meta- prefix) and values stay within it', async () => {
    const world = fakeWorld();
    const long = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map(k => [`source-${k}`, k.repeat(300)]));
    await world.invoke({ ...long, 'pipeline-execution-id': 'exec-42' });
    const metadata = world.buckets[DUBLIN_STORE].objects['release/release.zip'].metadata!;
    expect(metadata['source-a']).toHaveLength(256);
    const withPrefix = Object.entries(metadata).reduce((n, [k, v]) => n + Buffer.byteLength(`x-amz-meta-${k}`) + Buffer.byteLength(v), 0);
    expect(withPrefix).toBe(2048);
    expect(metadata['codepipeline-artifact-revision-summary'].startsWith('source-a=aaa')).toBe(true);
  });

  test('a character outside the BMP (an emoji in a branch name) is percent-encoded as UTF-8 instead of failing the release', async () => {
    // String.replace without the u flag hands encodeURIComponent each half of a surrogate pair, which throws URIError
    const world = fakeWorld();
    await world.invoke({ 'source-branch-name': 'feature/\u{1F680}-launch', 'source-commit-id': 'lone\uD800x', 'pipeline-execution-id': 'exec-42' });
    expect(world.results.map(r => Object.keys(r)[0])).toEqual(['PutJobSuccessResult']);
    const metadata = world.buckets[DUBLIN_STORE].objects['release/release.zip'].metadata!;
    expect(metadata['source-branch-name']).toBe('feature/%F0%9F%9A%80-launch');
    expect(metadata['source-commit-id']).toBe('lone%EF%BF%BDx');
  });

  test('a release over 5 GiB is copied in parts of at least 512 MiB, with the same metadata', async () => {
    const size = 6 * GiB + 5;
    const world = fakeWorld({ size });
    await world.invoke(METADATA);
    const release = world.buckets[DUBLIN_STORE].objects['release/release.zip'];
    expect(release).toMatchObject({ size, madeBy: 'CompleteMultipartUpload' });
    expect(release.metadata).toMatchObject(METADATA);
    const parts = world.calls.filter(c => c.startsWith('UploadPartCopy'));
    expect(parts).toHaveLength(13);
    expect(world.results[0].PutJobSuccessResult.executionDetails.externalExecutionId).toBe('v1');
  });

  test('a failed part aborts the upload and fails the job with S3\'s error', async () => {
    const world = fakeWorld({ size: 6 * GiB, failPart: 3 });
    await world.invoke(METADATA);
    expect(world.calls).toContain(`AbortMultipartUpload ${DUBLIN_STORE} eu-west-1`);
    expect(world.uploads).toEqual({});
    expect(world.results).toEqual([{ PutJobFailureResult: { jobId: 'job-1', failureDetails: { type: 'JobFailed', message: 'SlowDown: SlowDown (fake)' } } }]);
    expect(world.buckets[DUBLIN_STORE].objects['release/release.zip']).toBeUndefined();
  });

  test('when the Lambda\'s time runs short the multipart copy is aborted and the job fails, asking for a retry', async () => {
    let remaining = 200_000;
    const world = fakeWorld({ size: 8 * GiB, remainingMs: () => (remaining -= 60_000) });
    await world.invoke(METADATA);
    expect(world.results[0].PutJobFailureResult.failureDetails.message).toMatch(/did not finish within the Lambda function's time; retry the action/);
    expect(world.uploads).toEqual({});
  });

  test('an S3 error (a store in another account, a missing bucket) fails the job with the error', async () => {
    const world = fakeWorld({ failCopy: 'AccessDenied' });
    await world.invoke(METADATA);
    expect(world.results).toEqual([{ PutJobFailureResult: { jobId: 'job-1', failureDetails: { type: 'JobFailed', message: 'AccessDenied: AccessDenied (fake)' } } }]);
    const missing = fakeWorld();
    await missing.invoke(METADATA, 'eu-west-1', 'mrdp-0123456789-111111111111-eu-west-9');
    expect(missing.results[0].PutJobFailureResult.failureDetails.message).toBe('NoSuchBucket: NoSuchBucket (fake)');
  });
});

describe('the release publisher in the template', () => {
  const f = fixture([], {
    topology: DeliveryTopology.regionalPipelines(),
    targets: [cfnTarget('us-east-1'), cfnTarget('eu-west-1')],
  });
  const template = Template.fromJSON(f.app.synth().getStackByName('PipelineStack').template);

  test('one inline function for every region, on the newest Node.js runtime aws-cdk-lib knows, within the 4,096 characters of inline code', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter((r: any) => r.Properties.Code.ZipFile === RELEASE_PUBLISHER_HANDLER);
    expect(functions).toHaveLength(1);
    const newest = lambda.Runtime.ALL.filter(r => r.family === lambda.RuntimeFamily.NODEJS).map(r => r.name)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).pop();
    expect((functions[0] as any).Properties).toMatchObject({ Runtime: newest, Timeout: 900, Handler: 'index.handler' });
    expect(RELEASE_PUBLISHER_HANDLER.length).toBeLessThanOrEqual(4096);
  });

  test('the metadata names the source\'s own variables: a CodeConnections source hands over its commit, branch, date and repository', () => {
    const g = fixture([], {
      topology: DeliveryTopology.regionalPipelines(),
      source: PipelineSource.connection('my-org/app', 'main', {
        connectionArn: `arn:aws:codeconnections:us-west-2:${ACCOUNT}:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d`,
      }),
      targets: [cfnTarget('eu-west-1')],
    });
    const home = g.app.synth().getStackByName('PipelineStack').template;
    const pipeline = Object.values<any>(home.Resources).find(r => r.Type === 'AWS::CodePipeline::Pipeline');
    const publish = pipeline.Properties.Stages.find((s: any) => s.Name === 'Publish').Actions[0];
    const [fixed, ...lines] = publish.Configuration.UserParameters.split('\n');
    // the values outside the JSON (publisherParameters says why), one line each, in the JSON's order
    expect(JSON.parse(fixed)).toEqual({
      Region: 'eu-west-1',
      Bucket: expect.stringMatching(/^mrdp-[0-9a-f]{10}-\d{12}-eu-west-1$/),
      Key: 'release/release.zip',
      Metadata: ['source-commit-id', 'source-branch-name', 'source-author-date', 'source-repository-name', 'pipeline-execution-id'],
    });
    expect(lines).toEqual([
      'source-commit-id=#{Source.CommitId}',
      'source-branch-name=#{Source.BranchName}',
      'source-author-date=#{Source.AuthorDate}',
      'source-repository-name=#{Source.FullRepositoryName}',
      'pipeline-execution-id=#{codepipeline.PipelineExecutionId}',
    ]);
  });

  test('cdk-nag finds nothing', () => {
    const g = fixture([], { topology: DeliveryTopology.regionalPipelines(), targets: [cfnTarget('us-east-1')] });
    expect(nagFindings(g.app)).toEqual([]);
  });
});

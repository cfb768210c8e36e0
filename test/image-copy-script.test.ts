import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TRACE_TAGS, imageCopyScript } from '../src/private/image-copy-script';

/*
 * The machine-image distribution's script, run with bash against a stand-in for the AWS CLI's ec2
 * and ssm commands (test/fake-aws-ec2.js) that keeps images and parameters per region: the copy,
 * the wait, the tags, the parameter, retention and failures.
 */

const TAG_KEY = 'multi-region-delivery:distribution';
const DIST = 'd1234567890abcdef';

interface Image {
  readonly id: string;
  readonly region: string;
  state: string;
  readonly created: string;
  readonly tags: { [key: string]: string };
  readonly snapshots: string[];
  readonly name?: string;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
}

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every CLI call: its arguments after `<service> --region <region>`, with the service first. */
  readonly calls: string[][];
  readonly state: { images: Image[]; parameters: { [region: string]: { [name: string]: string } }; deletedSnapshots?: string[] };
}

function run(state: object, env: { [name: string]: string } = {}): Run {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-copy-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'aws'), `#!/bin/sh\nexec node ${JSON.stringify(path.join(__dirname, 'fake-aws-ec2.js'))} "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'sleep'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ images: [], parameters: {}, ...state }));
  fs.writeFileSync(path.join(dir, 'log'), '');
  const result = spawnSync('bash', ['-c', imageCopyScript()], {
    encoding: 'utf-8',
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_AWS_STATE: path.join(dir, 'state.json'),
      FAKE_AWS_LOG: path.join(dir, 'log'),
      TARGET_REGION: 'eu-west-1',
      SOURCE_REGION: 'us-west-2',
      SOURCE_IMAGE_ID: 'ami-0source',
      EXECUTION_ID: '11111111-2222-3333-4444-555555555555',
      SOURCE_REVISION: 'abc123',
      KMS_KEY_ID: '',
      PARAMETER_NAME: '/service-x/image-id',
      KEEP_IMAGES: '3',
      TAG_KEY,
      DISTRIBUTION_ID: DIST,
      IMAGE_NAME_PREFIX: 'service-x/image-id.',
      ENCRYPTED: 'false',
      ...env,
    },
  });
  const calls = fs.readFileSync(path.join(dir, 'log'), 'utf-8').trim().split('\n').filter(l => l).map(l => JSON.parse(l))
    .map((args: string[]) => [args[0], ...args.slice(3)]);
  const out = { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, calls, state: JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf-8')) };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

const commands = (r: Run) => r.calls.map(c => `${c[0]} ${c[1]}`);
const call = (r: Run, command: string) => r.calls.find(c => `${c[0]} ${c[1]}` === command)!;
const arg = (args: string[], name: string) => args[args.indexOf(name) + 1];

/** A copy made by the distribution earlier, `minute` minutes past noon. */
function oldCopy(n: number, minute: number, extra: Partial<Image> = {}): Image {
  return {
    id: `ami-old${n}`,
    region: 'eu-west-1',
    state: 'available',
    created: `2026-11-30T12:${String(minute).padStart(2, '0')}:00.000Z`,
    tags: { [TAG_KEY]: DIST, [TRACE_TAGS.sourceImage]: `ami-src${n}` },
    snapshots: [`snap-old${n}a`, `snap-old${n}b`],
    ...extra,
  };
}

describe('the distribution script: copying', () => {
  test('copies the build\'s image from the pipeline region, tags the copy and its snapshots at creation, and names it', () => {
    const r = run({});
    expect(r.status).toBe(0);
    const copy = call(r, 'ec2 copy-image');
    expect(arg(copy, '--source-region')).toBe('us-west-2');
    expect(arg(copy, '--source-image-id')).toBe('ami-0source');
    expect(arg(copy, '--name')).toBe('service-x/image-id.ami-0source');
    expect(arg(copy, '--description')).toBe('Copy of ami-0source (us-west-2) for /service-x/image-id, pipeline execution 11111111-2222-3333-4444-555555555555');
    expect(copy).not.toContain('--encrypted');
    const tags = [
      { Key: TAG_KEY, Value: DIST }, { Key: 'Name', Value: 'service-x/image-id.ami-0source' },
      { Key: TRACE_TAGS.sourceImage, Value: 'ami-0source' }, { Key: TRACE_TAGS.sourceRegion, Value: 'us-west-2' },
      { Key: TRACE_TAGS.executionId, Value: '11111111-2222-3333-4444-555555555555' }, { Key: TRACE_TAGS.sourceRevision, Value: 'abc123' },
    ];
    expect(JSON.parse(arg(copy, '--tag-specifications'))).toEqual([{ ResourceType: 'image', Tags: tags }, { ResourceType: 'snapshot', Tags: tags }]);
    expect(r.stdout).toMatch(/Copy started: ami-copy0001 in eu-west-1/);
  });

  test('every call goes to the target region', () => {
    const r = run({});
    const log = r.calls.length;
    expect(log).toBeGreaterThan(3);
    // the fake rejects calls without `--region`; the region is the third argument of each call
    expect(r.state.images.every(i => i.region === 'eu-west-1')).toBe(true);
    expect(r.state.parameters['eu-west-1']).toEqual({ '/service-x/image-id': 'ami-copy0001' });
  });

  test('a copy of the same image made before (a retried action) is reused, not copied again', () => {
    const r = run({ images: [oldCopy(1, 5, { id: 'ami-earlier', tags: { [TAG_KEY]: DIST, [TRACE_TAGS.sourceImage]: 'ami-0source' } })] });
    expect(r.status).toBe(0);
    expect(commands(r)).not.toContain('ec2 copy-image');
    expect(r.stdout).toMatch(/ami-0source was copied to eu-west-1 before, as ami-earlier/);
    expect(r.state.parameters['eu-west-1']['/service-x/image-id']).toBe('ami-earlier');
  });

  test('a copy by another distribution (another tag value) is not reused', () => {
    const r = run({ images: [oldCopy(1, 5, { tags: { [TAG_KEY]: 'other', [TRACE_TAGS.sourceImage]: 'ami-0source' } })] });
    expect(commands(r)).toContain('ec2 copy-image');
  });

  test('a named key encrypts the copy with it; ENCRYPTED alone uses the region\'s default EBS key', () => {
    const key = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const withKey = call(run({}, { KMS_KEY_ID: key }), 'ec2 copy-image');
    expect(withKey).toEqual(expect.arrayContaining(['--encrypted', '--kms-key-id', key]));
    const byDefault = call(run({}, { ENCRYPTED: 'true' }), 'ec2 copy-image');
    expect(byDefault).toContain('--encrypted');
    expect(byDefault).not.toContain('--kms-key-id');
  });

  test('values with shell and CLI syntax in them stay single arguments', () => {
    const revision = 'a,b]}[ $(touch /tmp/pwned) `x` "q"';
    const r = run({}, { SOURCE_REVISION: revision });
    expect(r.status).toBe(0);
    const specs = JSON.parse(arg(call(r, 'ec2 copy-image'), '--tag-specifications'));
    expect(specs[0].Tags).toContainEqual({ Key: TRACE_TAGS.sourceRevision, Value: revision });
  });

  test('an image ID that is not an AMI ID fails before any call, naming the value', () => {
    const r = run({}, { SOURCE_IMAGE_ID: 'IMAGE_ID' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/The build's image ID 'IMAGE_ID' is not an AMI ID/);
    expect(r.calls).toEqual([]);
  });

  test('a refused copy fails the action with EC2\'s message', () => {
    const r = run({ failCopy: '(InvalidRequest) when calling the CopyImage operation: You do not have permission to access the storage of this ami' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/You do not have permission to access the storage of this ami/);
    expect(commands(r)).not.toContain('ssm put-parameter');
  });
});

describe('the distribution script: waiting', () => {
  test('waits past the CLI waiter\'s 10 minutes while the copy is pending', () => {
    const r = run({ pendingWaits: 3 });
    expect(r.status).toBe(0);
    expect(commands(r).filter(c => c === 'ec2 wait')).toHaveLength(4);
    expect(r.stdout.match(/still pending in eu-west-1; waiting on/g)).toHaveLength(3);
    expect(r.stdout).toMatch(/ami-copy0001 is available in eu-west-1/);
  });

  test('a new copy EC2 does not know yet (InvalidAMIID.NotFound, eventual consistency) is looked for again, not failed', () => {
    // the CLI's image-available waiter has no retry on InvalidAMIID.NotFound: it stops at once, as does describe-images
    const r = run({ unseenReads: 4 });
    expect(r.status).toBe(0);
    expect(r.stdout.match(/ami-copy0001 is not visible yet in eu-west-1/g)).toHaveLength(2);
    expect(r.stdout).toMatch(/ami-copy0001 is available in eu-west-1/);
    expect(r.state.parameters['eu-west-1']['/service-x/image-id']).toBe('ami-copy0001');
  });

  test('a copy EC2 never knows fails the action after 20 looks, naming it', () => {
    const r = run({ unseenReads: 1000 });
    expect(r.status).not.toBe(0);
    expect(r.stdout.match(/is not visible yet/g)).toHaveLength(20);
    expect(r.stderr).toMatch(/\/service-x\/image-id in eu-west-1: EC2 in eu-west-1 still does not know the copy ami-copy0001 of ami-0source after 20 checks/);
    expect(commands(r)).not.toContain('ssm put-parameter');
  });

  test('a failed copy fails the action with EC2\'s reason, and no parameter is written', () => {
    const r = run({ copyEndsIn: 'failed' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/service-x\/image-id in eu-west-1: the copy ami-copy0001 of ami-0source is failed: Client.InternalError: Copy failed/);
    expect(commands(r)).not.toContain('ssm put-parameter');
  });
});

describe('the distribution script: the parameter', () => {
  test('writes the copy\'s ID as an aws:ec2:image String parameter, then reads it back', () => {
    const r = run({ parameters: { 'eu-west-1': { '/service-x/image-id': 'ami-before' } } });
    expect(r.status).toBe(0);
    const put = call(r, 'ssm put-parameter');
    expect(put).toEqual(['ssm', 'put-parameter', '--name', '/service-x/image-id', '--value', 'ami-copy0001', '--type', 'String',
      '--data-type', 'aws:ec2:image', '--overwrite', '--query', 'Version', '--output', 'text']);
    expect(commands(r)).toContain('ssm get-parameter');
    expect(r.stdout).toMatch(/Parameter \/service-x\/image-id in eu-west-1 names ami-copy0001/);
  });

  test('a value Systems Manager does not take (asynchronous validation) fails the action', () => {
    const r = run({ ssmIgnores: true, parameters: { 'eu-west-1': { '/service-x/image-id': 'ami-before' } } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Systems Manager did not take ami-copy0001 \(the parameter still names 'ami-before' after 40 reads\)/);
    expect(commands(r)).not.toContain('ec2 deregister-image');
  });
});

describe('the distribution script: retention', () => {
  test('keeps the new copy and the newest others up to KEEP_IMAGES; deregisters the rest and deletes their snapshots', () => {
    const r = run({ images: [oldCopy(1, 1), oldCopy(2, 2), oldCopy(3, 3), oldCopy(4, 4)] });
    expect(r.status).toBe(0);
    const state = (id: string) => r.state.images.find(i => i.id === id)!.state;
    // KEEP_IMAGES 3: the new copy, old4 and old3
    expect(['ami-copy0001', 'ami-old4', 'ami-old3'].map(state)).toEqual(['available', 'available', 'available']);
    expect(['ami-old2', 'ami-old1'].map(state)).toEqual(['deregistered', 'deregistered']);
    expect(r.state.deletedSnapshots).toEqual(['eu-west-1/snap-old2a', 'eu-west-1/snap-old2b', 'eu-west-1/snap-old1a', 'eu-west-1/snap-old1b']);
    expect(call(r, 'ec2 describe-images').length).toBeGreaterThan(0);
  });

  test('selects copies by the distribution\'s tag only: other images are never touched', () => {
    const foreign = [oldCopy(1, 1, { tags: {} }), oldCopy(2, 2, { tags: { [TAG_KEY]: 'another-distribution' } })];
    const r = run({ images: [...foreign, oldCopy(3, 3), oldCopy(4, 4), oldCopy(5, 5)] }, { KEEP_IMAGES: '1' });
    expect(r.status).toBe(0);
    const states = Object.fromEntries(r.state.images.map(i => [i.id, i.state]));
    expect(states).toEqual({ 'ami-old1': 'available', 'ami-old2': 'available', 'ami-old3': 'deregistered', 'ami-old4': 'deregistered', 'ami-old5': 'deregistered', 'ami-copy0001': 'available' });
  });

  test('never deregisters the image the parameter names, even an old one reused on a rollback', () => {
    const reused = oldCopy(1, 1, { tags: { [TAG_KEY]: DIST, [TRACE_TAGS.sourceImage]: 'ami-0source' } });
    const r = run({ images: [reused, oldCopy(2, 2), oldCopy(3, 3)] }, { KEEP_IMAGES: '2' });
    expect(r.status).toBe(0);
    const states = Object.fromEntries(r.state.images.map(i => [i.id, i.state]));
    expect(states).toEqual({ 'ami-old1': 'available', 'ami-old3': 'available', 'ami-old2': 'deregistered' });
    expect(r.state.parameters['eu-west-1']['/service-x/image-id']).toBe('ami-old1');
  });

  test('leaves pending copies (another execution\'s) alone and does not count them', () => {
    const r = run({ images: [oldCopy(1, 1), oldCopy(2, 2, { state: 'pending' })] }, { KEEP_IMAGES: '1' });
    expect(r.status).toBe(0);
    const states = Object.fromEntries(r.state.images.map(i => [i.id, i.state]));
    expect(states['ami-old2']).toBe('pending');
    expect(states['ami-old1']).toBe('deregistered');
    expect(r.stdout).toMatch(/Keeping ami-old2 \(pending: another execution's copy\)/);
  });

  test('a copy EC2 refuses to deregister (deregistration protection) is a warning: the others are removed and the action succeeds', () => {
    const r = run({ images: [oldCopy(1, 1), oldCopy(2, 2, { protected: true } as Partial<Image>), oldCopy(3, 3)] }, { KEEP_IMAGES: '1' });
    expect(r.status).toBe(0);
    const states = Object.fromEntries(r.state.images.map(i => [i.id, i.state]));
    expect(states).toEqual({ 'ami-old1': 'deregistered', 'ami-old2': 'available', 'ami-old3': 'deregistered', 'ami-copy0001': 'available' });
    // the protected copy's snapshots are left alone (they belong to a registered image)
    expect(r.state.deletedSnapshots).toEqual(['eu-west-1/snap-old3a', 'eu-west-1/snap-old3b', 'eu-west-1/snap-old1a', 'eu-west-1/snap-old1b']);
    expect(r.stderr).toMatch(/Warning: \/service-x\/image-id in eu-west-1: EC2 refused to remove the old copy ami-old2/);
    expect(r.state.parameters['eu-west-1']['/service-x/image-id']).toBe('ami-copy0001');
  });

  test('nothing to delete with fewer copies than KEEP_IMAGES', () => {
    const r = run({ images: [oldCopy(1, 1)] });
    expect(r.status).toBe(0);
    expect(commands(r)).not.toContain('ec2 deregister-image');
    expect(commands(r)).not.toContain('ec2 delete-snapshot');
  });
});

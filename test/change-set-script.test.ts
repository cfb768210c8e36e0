import { RouteScriptRun, runRouteScript } from './testutil';
import { TEMPLATE_BODY_MAX_BYTES } from '../src/private/change-set-script';

/*
 * The CodeBuild route's script, run with bash against a stand-in for the AWS CLI (test/fake-aws.js)
 * that keeps a stack and its change sets: the change-set flow, retries, failures.
 */

/** The route ID of the target the runs deliver (the action's `ROUTE`), the prefix of its variables on the shared project. */
const ROUTE_ID = 'R1a2b3c4d';

/** `env` with each target variable prefixed by `ROUTE_ID` (the action's variables, and variables already prefixed, as given). */
function routed(env: { [name: string]: string }): { [name: string]: string } {
  return Object.fromEntries(Object.entries(env).map(([name, value]) =>
    [['STEP', 'STACK', 'ROUTE'].includes(name) || /^R[0-9a-f]{8}_/.test(name) ? name : `${ROUTE_ID}_${name}`, value]));
}

function run(step: string, state: object, env: { [name: string]: string } = {}, template = 'Resources: {}\n'): RouteScriptRun {
  return runRouteScript(routed({
    STEP: step,
    STACK: 'APP',
    ROUTE: ROUTE_ID,
    TARGET_REGION: 'ca-west-1',
    CHANGE_SET_NAME: 'multi-region-delivery',
    DEPLOYMENT_ROLE_ARN: 'arn:aws:iam::111111111111:role/deploy',
    STAGING_BUCKET: 'staging-bucket',
    APP_STACK_NAME: 'service-x',
    APP_TEMPLATE_PATH: 'app.template.yaml',
    APP_PARAMETERS: '[]',
    APP_CAPABILITIES: '',
    ...env,
  }), state, template);
}

const commands = (r: RouteScriptRun) => r.calls.map(c => c[0]);
const created = (r: RouteScriptRun) => r.calls.find(c => c[0] === 'create-change-set')!;

describe('the route script: creating the change set', () => {
  test('a new stack gets a CREATE change set, in the target region, with the deployment role', () => {
    const r = run('create', {});
    expect(r.status).toBe(0);
    expect(created(r)).toEqual(['create-change-set', '--stack-name', 'service-x', '--change-set-name', 'multi-region-delivery',
      '--change-set-type', 'CREATE', '--role-arn', 'arn:aws:iam::111111111111:role/deploy', '--template-body', expect.stringMatching(/^file:\/\/.*app\.template\.yaml$/)]);
    expect(r.state.changeSets['multi-region-delivery'].status).toBe('CREATE_COMPLETE');
  });

  test('an existing stack gets an UPDATE change set; one left by an earlier attempt is replaced (create-or-replace)', () => {
    const r = run('create', { stack: 'UPDATE_COMPLETE', changeSets: { 'multi-region-delivery': { status: 'CREATE_COMPLETE', execution: 'AVAILABLE' } } });
    expect(r.status).toBe(0);
    expect(commands(r)).toEqual(['describe-stacks', 'delete-change-set', 'create-change-set', 'describe-change-set']);
    expect(created(r)).toContain('UPDATE');
  });

  test('a stack waiting in review (an unexecuted CREATE change set) gets a CREATE change set again', () => {
    const r = run('create', { stack: 'REVIEW_IN_PROGRESS', changeSets: { 'multi-region-delivery': { status: 'CREATE_COMPLETE', execution: 'AVAILABLE' } } });
    expect(r.status).toBe(0);
    expect(created(r)).toContain('CREATE');
  });

  test('a stack whose creation failed (ROLLBACK_COMPLETE) is deleted and created again', () => {
    const r = run('create', { stack: 'ROLLBACK_COMPLETE' });
    expect(r.status).toBe(0);
    expect(commands(r)).toEqual(expect.arrayContaining(['delete-stack', 'create-change-set']));
    expect(created(r)).toContain('CREATE');
  });

  test('a stack that needs repair by hand fails the action, with its events', () => {
    const r = run('create', { stack: 'UPDATE_ROLLBACK_FAILED' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/stack service-x in ca-west-1: is UPDATE_ROLLBACK_FAILED; CloudFormation needs it repaired by hand/);
    expect(r.stderr).toMatch(/CREATE_FAILED/);
    expect(commands(r)).not.toContain('create-change-set');
  });

  test('an error other than a missing stack is not taken for a missing stack', () => {
    const r = run('create', { failDescribeStacks: '(AccessDenied) when calling the DescribeStacks operation: not authorized' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/AccessDenied/);
    expect(commands(r)).not.toContain('create-change-set');
  });

  test('a change set without changes succeeds; one that failed otherwise fails the action with the reason', () => {
    const none = run('create', { stack: 'UPDATE_COMPLETE', nextChangeSet: { status: 'FAILED', reason: 'The submitted information didn\'t contain changes. Submit different information to create a change set.' } });
    expect(none.status).toBe(0);
    expect(none.stdout).toMatch(/No changes for stack service-x in ca-west-1/);
    const bad = run('create', { stack: 'UPDATE_COMPLETE', nextChangeSet: { status: 'FAILED', reason: 'Template format error: unsupported structure.' } });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/change set multi-region-delivery is FAILED: Template format error/);
  });

  test('parameters and capabilities are passed as single arguments, whatever they contain', () => {
    const parameters = JSON.stringify([{ ParameterKey: 'Name', ParameterValue: 'a b; $(touch /tmp/pwned) `x` "q"' }]);
    const r = run('create', {}, { APP_PARAMETERS: parameters, APP_CAPABILITIES: 'CAPABILITY_IAM CAPABILITY_AUTO_EXPAND' });
    expect(r.status).toBe(0);
    const args = created(r);
    expect(args[args.indexOf('--parameters') + 1]).toBe(parameters);
    expect(args.slice(args.indexOf('--capabilities') + 1)).toEqual(['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND']);
  });

  test(`a template over ${TEMPLATE_BODY_MAX_BYTES} bytes is staged in the target region's bucket and passed by URL`, () => {
    const small = run('create', {}, {}, 'x'.repeat(TEMPLATE_BODY_MAX_BYTES));
    expect(created(small)).toContain('--template-body');
    const large = run('create', {}, {}, 'x'.repeat(TEMPLATE_BODY_MAX_BYTES + 1));
    expect(large.status).toBe(0);
    const copy = large.calls.find(c => c[0] === 's3')!;
    expect(copy).toEqual(['s3', 'cp', '--region', 'ca-west-1', '--only-show-errors', expect.stringMatching(/app\.template\.yaml$/),
      expect.stringMatching(/^s3:\/\/staging-bucket\/templates\/service-x\/[0-9a-f]{64}\.template$/)]);
    const url = created(large)[created(large).indexOf('--template-url') + 1];
    expect(url).toBe(`https://staging-bucket.s3.ca-west-1.amazonaws.com/${copy[6].replace('s3://staging-bucket/', '')}`);
  });
});

describe('the route script: executing the change set', () => {
  const ready = { stack: 'UPDATE_COMPLETE', changeSets: { 'multi-region-delivery': { status: 'CREATE_COMPLETE', execution: 'AVAILABLE' } } };

  test('executes the change set and waits for the stack', () => {
    const r = run('execute', ready);
    expect(r.status).toBe(0);
    expect(commands(r)).toEqual(['describe-change-set', 'describe-stacks', 'execute-change-set', 'describe-stacks', 'describe-stacks']);
    expect(r.stdout).toMatch(/stack service-x in ca-west-1 is UPDATE_COMPLETE/);
  });

  test('a stale read right after the execution (DescribeStacks is eventually consistent) is waited out, not taken for the result', () => {
    // a new stack still reads REVIEW_IN_PROGRESS: not a failure
    const fresh = run('execute', { ...ready, stack: 'REVIEW_IN_PROGRESS', executeResult: 'CREATE_COMPLETE', staleReads: 2 });
    expect(fresh.status).toBe(0);
    expect(fresh.stdout).toMatch(/stack service-x in ca-west-1 is CREATE_COMPLETE/);
    // an updated stack still reads its last UPDATE_COMPLETE: not a success when the update is rolled back
    const rolledBack = run('execute', { ...ready, lastUpdated: '2026-11-30T00:00:00Z', executeResult: 'UPDATE_ROLLBACK_COMPLETE', staleReads: 2 });
    expect(rolledBack.status).not.toBe(0);
    expect(rolledBack.stderr).toMatch(/deployment failed, the stack is UPDATE_ROLLBACK_COMPLETE/);
  });

  test('a stack that never shows the execution is waited for as it is after 5 minutes', () => {
    const r = run('execute', { ...ready, staleReads: 1000 });
    expect(r.stdout).toMatch(/does not show the execution of change set multi-region-delivery after 5 minutes/);
    expect(commands(r).filter(c => c === 'describe-stacks').length).toBe(1 + 60 + 1);
  });

  test('a failed deployment (rolled back by CloudFormation) fails the action and prints the stack events', () => {
    const r = run('execute', { ...ready, executeResult: 'UPDATE_ROLLBACK_COMPLETE' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/deployment failed, the stack is UPDATE_ROLLBACK_COMPLETE \(CloudFormation rolled it back\)/);
    expect(r.stderr).toMatch(/Function \| CREATE_FAILED/);
  });

  test('a retry after the change set was consumed creates it again instead of failing with ChangeSetNotFound', () => {
    const r = run('execute', { stack: 'UPDATE_ROLLBACK_COMPLETE' });
    expect(r.status).toBe(0);
    expect(commands(r)).toEqual(expect.arrayContaining(['create-change-set', 'execute-change-set']));
    expect(r.stdout).toMatch(/not found \(an earlier attempt executed or deleted it\): creating it again/);
  });

  test('an error reading the change set other than its absence fails the action instead of creating it again', () => {
    const r = run('execute', { ...ready, failDescribeChangeSet: '(AccessDenied) when calling the DescribeChangeSet operation: not authorized' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/AccessDenied/);
    expect(commands(r)).toEqual(['describe-change-set']);
  });

  test('a change set without changes executes nothing and succeeds', () => {
    const r = run('execute', { stack: 'UPDATE_COMPLETE', changeSets: { 'multi-region-delivery': { status: 'FAILED', execution: 'UNAVAILABLE', reason: 'No updates are to be performed.' } } });
    expect(r.status).toBe(0);
    expect(commands(r)).not.toContain('execute-change-set');
  });

  test('deploy (the infrastructure stack) creates and executes in one action', () => {
    const r = run('deploy', {}, { STACK: 'INFRA', INFRA_STACK_NAME: 'network', INFRA_TEMPLATE_PATH: 'app.template.yaml', INFRA_PARAMETERS: '[]', INFRA_CAPABILITIES: '' }, 'Resources: {}');
    expect(r.status).toBe(0);
    expect(commands(r)).toEqual(expect.arrayContaining(['create-change-set', 'execute-change-set']));
    expect(created(r)[2]).toBe('network');
  });

  test('an unknown step or stack is refused', () => {
    expect(run('destroy', {}).status).toBe(2);
    expect(run('create', {}, { STACK: 'OTHER' }).status).toBe(2);
  });
});

describe('the route script: one project, several targets', () => {
  const other = {
    R0f0f0f0f_TARGET_REGION: 'mx-central-1',
    R0f0f0f0f_CHANGE_SET_NAME: 'other-change-set',
    R0f0f0f0f_DEPLOYMENT_ROLE_ARN: 'arn:aws:iam::111111111111:role/other-deploy',
    R0f0f0f0f_STAGING_BUCKET: 'other-staging-bucket',
    R0f0f0f0f_APP_STACK_NAME: 'service-y',
    R0f0f0f0f_APP_TEMPLATE_PATH: 'app.template.yaml',
    R0f0f0f0f_APP_PARAMETERS: JSON.stringify([{ ParameterKey: 'Stage', ParameterValue: 'y' }]),
    R0f0f0f0f_APP_CAPABILITIES: 'CAPABILITY_IAM',
  };

  test('the action\'s ROUTE selects the target: its region, stack, change set, role, bucket and parameters, nothing of the other', () => {
    const first = run('create', {}, other);
    expect(first.status).toBe(0);
    expect(created(first)).toEqual(['create-change-set', '--stack-name', 'service-x', '--change-set-name', 'multi-region-delivery',
      '--change-set-type', 'CREATE', '--role-arn', 'arn:aws:iam::111111111111:role/deploy', '--template-body', expect.stringMatching(/app\.template\.yaml$/)]);
    const second = run('create', {}, { ...other, ROUTE: 'R0f0f0f0f' });
    expect(second.status).toBe(0);
    expect(second.calls.every(c => !c.includes('service-x'))).toBe(true);
    expect(created(second)).toEqual(['create-change-set', '--stack-name', 'service-y', '--change-set-name', 'other-change-set',
      '--change-set-type', 'CREATE', '--role-arn', 'arn:aws:iam::111111111111:role/other-deploy', '--template-body', expect.stringMatching(/app\.template\.yaml$/),
      '--parameters', other.R0f0f0f0f_APP_PARAMETERS, '--capabilities', 'CAPABILITY_IAM']);
    expect(second.stdout).toMatch(/stack service-y in mx-central-1 is ready/);
  });

  test('a ROUTE that is missing, malformed or names no target of the project is refused before any call', () => {
    for (const route of ['', 'R0000', 'R1a2b3c4d; true', 'Rdeadbeef']) {
      const r = run('create', {}, { ROUTE: route });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/internal: ROUTE must name a target of this project/);
      expect(r.calls).toEqual([]);
    }
  });
});

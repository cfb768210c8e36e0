#!/usr/bin/env node
/*
 * A stand-in for the AWS CLI in the tests of the CodeBuild route's script: it keeps one stack and
 * its change sets in a JSON state file ($FAKE_AWS_STATE), logs every call ($FAKE_AWS_LOG, one JSON
 * argument list a line) and answers like the CLI would, including its error messages.
 *
 * State: { stack?: status, changeSets: { name: { status, execution, reason } },
 *          nextChangeSet: { status, reason }, executeResult: status, failDescribeStacks?: message,
 *          failDescribeChangeSet?: message, lastUpdated?: the stack's LastUpdatedTime,
 *          staleReads?: how many DescribeStacks after an execution still show the stack before it }
 */
const fs = require('fs');

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_AWS_LOG, JSON.stringify(args) + '\n');
const state = JSON.parse(fs.readFileSync(process.env.FAKE_AWS_STATE, 'utf-8'));
const save = () => fs.writeFileSync(process.env.FAKE_AWS_STATE, JSON.stringify(state));
const option = name => args[args.indexOf(name) + 1];
const fail = (message, code = 254) => { process.stderr.write(`\nAn error occurred ${message}\n`); process.exit(code); };

if (args[0] === 's3') { process.exit(0); }
if (args[0] === 's3api') {
  // aws s3api --region <r> put-object ... --query '[VersionId, ETag]' --output text
  if (state.failPutObject) { fail(state.failPutObject); }
  console.log(`${state.versionId ?? 'v1'}\t"0123456789abcdef"`);
  process.exit(0);
}
if (args[0] === 'deploy') {
  // aws deploy --region <r> create-deployment | get-deployment; state.deployment: { statuses: [...], error }
  const deployment = state.deployment ?? { statuses: ['Succeeded'] };
  if (args[3] === 'create-deployment') {
    if (deployment.failCreate) { fail(deployment.failCreate); }
    console.log('d-ABCDEF123');
  } else if (args[3] === 'get-deployment' && option('--query') === 'deploymentInfo.status') {
    console.log(deployment.statuses.length > 1 ? deployment.statuses.shift() : deployment.statuses[0]);
  } else if (args[3] === 'get-deployment') {
    console.log(deployment.error ?? 'None\tNone\tNone');
  } else {
    fail(`(fake) unexpected command ${args.join(' ')}`, 2);
  }
  state.deployment = deployment;
  save();
  process.exit(0);
}
const command = args[3]; // aws cloudformation --region <r> <command>
const changeSetName = option('--change-set-name');
switch (command) {
  case 'describe-stacks':
    if (state.failDescribeStacks) { fail(state.failDescribeStacks); }
    {
      // DescribeStacks is eventually consistent: state.staleReads reads after an execution still show the stack before it
      const seen = state.stale && state.stale.reads > 0 ? (state.stale.reads--, state.stale) : { stack: state.stack, lastUpdated: state.lastUpdated };
      if (!seen.stack) { fail(`(ValidationError) when calling the DescribeStacks operation: Stack with id ${option('--stack-name')} does not exist`); }
      console.log(String(option('--query')).includes('LastUpdatedTime') ? `${seen.stack}\t${seen.lastUpdated ?? 'None'}` : seen.stack);
    }
    break;
  case 'describe-change-set': {
    if (state.failDescribeChangeSet) { fail(state.failDescribeChangeSet); }
    const cs = state.changeSets[changeSetName];
    if (!cs) { fail(`(ChangeSetNotFound) when calling the DescribeChangeSet operation: ChangeSet [${changeSetName}] does not exist`); }
    console.log([cs.status, cs.execution, cs.reason ?? 'None'].join('\t'));
    break;
  }
  case 'delete-change-set':
    if (!state.changeSets[changeSetName]) { fail('(ChangeSetNotFound) when calling the DeleteChangeSet operation'); }
    delete state.changeSets[changeSetName];
    break;
  case 'create-change-set': {
    if (state.changeSets[changeSetName]) { fail('(AlreadyExistsException) when calling the CreateChangeSet operation'); }
    const type = option('--change-set-type');
    if (type === 'CREATE' && state.stack && state.stack !== 'REVIEW_IN_PROGRESS') { fail('(ValidationError) Stack already exists'); }
    if (type === 'UPDATE' && (!state.stack || state.stack === 'REVIEW_IN_PROGRESS')) { fail('(ValidationError) Stack does not exist'); }
    if (type === 'CREATE') { state.stack = 'REVIEW_IN_PROGRESS'; }
    const next = state.nextChangeSet ?? { status: 'CREATE_COMPLETE' };
    state.changeSets[changeSetName] = { status: next.status, execution: next.status === 'CREATE_COMPLETE' ? 'AVAILABLE' : 'UNAVAILABLE', reason: next.reason };
    break;
  }
  case 'execute-change-set': {
    const cs = state.changeSets[changeSetName];
    if (!cs || cs.execution !== 'AVAILABLE') { fail('(InvalidChangeSetStatus) when calling the ExecuteChangeSet operation'); }
    state.stale = { stack: state.stack, lastUpdated: state.lastUpdated, reads: state.staleReads ?? 0 };
    if (state.stack !== 'REVIEW_IN_PROGRESS') { state.lastUpdated = `2026-12-01T00:00:0${(state.updates = (state.updates ?? 0) + 1)}Z`; }
    state.stack = state.executeResult;
    // CloudFormation deletes a stack's change sets once one of them is executed
    state.changeSets = {};
    break;
  }
  case 'delete-stack':
    delete state.stack;
    state.changeSets = {};
    break;
  case 'describe-stack-events':
    console.log('| 2026-12-01T00:00:00Z | Function | CREATE_FAILED | Resource handler returned message: "Access denied" |');
    break;
  default:
    fail(`(fake) unexpected command ${args.join(' ')}`, 2);
}
save();

#!/usr/bin/env node
/*
 * A stand-in for the AWS CLI's `ec2` and `ssm` commands in the tests of the machine-image
 * distribution script (src/private/image-copy-script.ts). It keeps images and parameters per region
 * in a JSON state file ($FAKE_AWS_STATE), logs every call ($FAKE_AWS_LOG, one JSON argument list a
 * line) and answers the queries the script makes the way the CLI prints them (`--output text`).
 *
 * State: { images: [{ id, region, state, created, tags: { key: value }, snapshots: [id], reason? }],
 *          parameters: { region: { name: value } }, nextId: n,
 *          copyEndsIn?: 'available' | 'failed', pendingWaits?: n (failed `wait` calls before the copy is available),
 *          failCopy?: message, ssmIgnores?: true (put-parameter succeeds but the value never changes),
 *          images[].protected?: true (deregistration protection: DeregisterImage fails),
 *          unseenReads?: n (DescribeImages, and so the waiter, answer InvalidAMIID.NotFound for a new copy
 *          this many times: EC2's eventual consistency) }
 */
const fs = require('fs');

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_AWS_LOG, JSON.stringify(args) + '\n');
const state = JSON.parse(fs.readFileSync(process.env.FAKE_AWS_STATE, 'utf-8'));
const save = () => fs.writeFileSync(process.env.FAKE_AWS_STATE, JSON.stringify(state));
const has = name => args.includes(name);
const option = name => args[args.indexOf(name) + 1];
const fail = (message, code = 254) => { process.stderr.write(`\nAn error occurred ${message}\n`); process.exit(code); };
const [service, regionFlag, region, command] = args;
if (regionFlag !== '--region') { fail(`(fake) expected --region after ${service}`, 2); }
const images = state.images ?? (state.images = []);
const image = id => images.find(i => i.id === id && i.region === region);
/** The values of `--filters` as { name: [values] } (only the `Name=x,Values=a,b` form the script uses). */
function filters() {
  const start = args.indexOf('--filters');
  if (start < 0) { return {}; }
  const out = {};
  for (const f of args.slice(start + 1)) {
    if (f.startsWith('--')) { break; }
    const m = /^Name=([^,]+),Values=(.*)$/.exec(f);
    if (!m) { fail(`(fake) cannot read filter ${f}`, 2); }
    out[m[1]] = m[2].split(',');
  }
  return out;
}
/** Whether this read of a new copy is answered InvalidAMIID.NotFound (counts `unseenReads` down). */
function unseen() {
  if (!option('--image-ids').startsWith('ami-copy') || !(state.unseenReads > 0)) { return false; }
  state.unseenReads -= 1;
  save();
  return true;
}
function matches(i, fs_) {
  return Object.entries(fs_).every(([name, values]) => name === 'state' ? values.includes(i.state)
    : name.startsWith('tag:') ? values.includes(i.tags[name.slice(4)]) : true);
}

if (service === 'ec2') {
  switch (command) {
    case 'copy-image': {
      if (state.failCopy) { fail(state.failCopy); }
      const id = `ami-copy${String(state.nextId ?? 1).padStart(4, '0')}`;
      state.nextId = (state.nextId ?? 1) + 1;
      const specs = JSON.parse(option('--tag-specifications'));
      const tags = Object.fromEntries(specs.find(s => s.ResourceType === 'image').Tags.map(t => [t.Key, t.Value]));
      images.push({ id, region, state: 'pending', created: `2026-12-01T12:${String(state.nextId).padStart(2, '0')}:00.000Z`, tags,
        snapshots: [`snap-${id.slice(4)}`], name: option('--name'), encrypted: has('--encrypted'), kmsKeyId: has('--kms-key-id') ? option('--kms-key-id') : undefined });
      console.log(id);
      break;
    }
    case 'wait': {
      if (unseen()) {
        process.stderr.write(`\nWaiter ImageAvailable failed: An error occurred (InvalidAMIID.NotFound): The image id '[${option('--image-ids')}]' does not exist\n`);
        process.exit(255);
      }
      const i = image(option('--image-ids'));
      if (i.state === 'pending' && (state.pendingWaits ?? 0) > 0) {
        state.pendingWaits -= 1;
        save();
        process.stderr.write('\nWaiter ImageAvailable failed: Max attempts exceeded\n');
        process.exit(255);
      }
      if (i.state === 'pending') { i.state = state.copyEndsIn ?? 'available'; if (i.state === 'failed') { i.reason = 'Client.InternalError: Copy failed'; } }
      if (i.state !== 'available') { process.stderr.write('\nWaiter ImageAvailable failed: Waiter encountered a terminal failure state\n'); save(); process.exit(255); }
      break;
    }
    case 'describe-images': {
      const query = option('--query');
      if (has('--image-ids')) {
        if (unseen()) { fail(`(InvalidAMIID.NotFound) when calling the DescribeImages operation: The image id '[${option('--image-ids')}]' does not exist`); }
        const i = image(option('--image-ids'));
        if (!i) { fail(`(InvalidAMIID.NotFound) The image id '[${option('--image-ids')}]' does not exist`); }
        if (query === 'Images[0].[State, StateReason.Message]') { console.log(`${i.state}\t${i.reason ?? 'None'}`); }
        else if (query === 'Images[0].BlockDeviceMappings[].Ebs.SnapshotId') { console.log(i.snapshots.length ? i.snapshots.join('\t') : ''); }
        else { fail(`(fake) unexpected query ${query}`, 2); }
        break;
      }
      if (option('--owners') !== 'self') { fail('(fake) describe-images without --owners self', 2); }
      const found = images.filter(i => i.region === region && i.state !== 'deregistered' && matches(i, filters()));
      if (query === 'Images[0].ImageId') { console.log(found[0]?.id ?? 'None'); }
      else if (query === 'reverse(sort_by(Images, &CreationDate))[].[ImageId, State]') {
        found.sort((a, b) => b.created.localeCompare(a.created)).forEach(i => console.log(`${i.id}\t${i.state}`));
      } else { fail(`(fake) unexpected query ${query}`, 2); }
      break;
    }
    case 'deregister-image': {
      const i = image(option('--image-id'));
      if (!i) { fail('(InvalidAMIID.NotFound) when calling the DeregisterImage operation'); }
      if (i.protected) { fail(`(OperationNotPermitted) when calling the DeregisterImage operation: The image ${i.id} has deregistration protection enabled`); }
      i.state = 'deregistered';
      break;
    }
    case 'delete-snapshot':
      state.deletedSnapshots = [...state.deletedSnapshots ?? [], `${region}/${option('--snapshot-id')}`];
      break;
    default:
      fail(`(fake) unexpected command ec2 ${command}`, 2);
  }
} else if (service === 'ssm') {
  const parameters = (state.parameters ??= {})[region] ??= {};
  const name = option('--name');
  if (command === 'put-parameter') {
    if (!has('--overwrite') || option('--data-type') !== 'aws:ec2:image' || option('--type') !== 'String') { fail('(fake) put-parameter without the expected options', 2); }
    if (!state.ssmIgnores) { parameters[name] = option('--value'); }
    state.versions = (state.versions ?? 0) + 1;
    console.log(state.versions);
  } else if (command === 'get-parameter') {
    if (!(name in parameters)) { fail(`(ParameterNotFound) when calling the GetParameter operation: `); }
    console.log(parameters[name]);
  } else {
    fail(`(fake) unexpected command ssm ${command}`, 2);
  }
} else {
  fail(`(fake) unexpected service ${service}`, 2);
}
save();

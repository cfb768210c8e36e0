/**
 * The source of the store cleaner's Lambda handler, inlined into the template (`Code.fromInline`): no
 * asset to stage, copy and fingerprint at synthesis. CloudFormation writes inline Node.js code to
 * `index.js`, a CommonJS module.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-code.html
 *
 * Event (a CloudFormation custom resource request): `ResourceProperties` = `{ Stores: [{ Bucket, Region }],
 * Account, Partition, TagKey, TagValue, DenyWrites: [bucket names] }`.
 * - Create: nothing.
 * - Update: empties the stores that left `Stores` (a region the pipeline no longer delivers to), so
 *   their stacks can be deleted.
 * - Delete, when the cleaner's stack itself is being deleted (DELETE_IN_PROGRESS): denies new
 *   objects in the `DenyWrites` buckets (those deleted with the cleaner's own stack), then empties
 *   every store. A Delete while the stack is not being deleted (the rollback of an update that
 *   added the cleaner) leaves every store as it is: the pipeline goes on using them.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html (StackName takes the stack ID)
 *
 * A store is emptied only when it exists in `Account` (`ExpectedBucketOwner` on every request) and
 * carries the tag `TagKey` = `TagValue`: never a bucket the pipeline does not own. A missing bucket
 * is skipped (a retried delete). Every version and delete marker is deleted, page by page, until a
 * listing comes back empty; when the Lambda's time runs short it answers FAILED ("delete the stack
 * again"), and the next attempt goes on where this one stopped.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html (the response)
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html (MaxKeys: "up to 1,000 key names"; whether
 *   versions and delete markers share it is not said, so a page asks for 500: even counted apart, one DeleteObjects stays within 1,000)
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html (up to 1,000 keys a request)
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html (ExpectedBucketOwner)
 */
const SOURCE = `const S3 = require('@aws-sdk/client-s3');
const CFN = require('@aws-sdk/client-cloudformation');
const https = require('https');
const cmd = (s3, name, input) => s3.send(new S3[name + 'Command'](input));
exports.handler = async (event, context) => {
  let status = 'SUCCESS', reason = 'done';
  try {
    const p = event.ResourceProperties;
    let stores = [];
    if (event.RequestType === 'Delete') {
      const status = (await new CFN.CloudFormationClient({}).send(new CFN.DescribeStacksCommand({ StackName: event.StackId }))).Stacks[0].StackStatus;
      if (status === 'DELETE_IN_PROGRESS') stores = p.Stores;
      else console.log('the stack is ' + status + ', not being deleted: the stores are left as they are');
    }
    if (event.RequestType === 'Update') {
      const kept = new Set(p.Stores.map(s => s.Bucket));
      stores = ((event.OldResourceProperties || {}).Stores || []).filter(s => !kept.has(s.Bucket));
    }
    for (const store of stores) {
      const deny = event.RequestType === 'Delete' && (p.DenyWrites || []).includes(store.Bucket);
      await empty(store, p, deny, context);
    }
  } catch (e) {
    console.log(e);
    status = 'FAILED';
    reason = String(e && e.message || e).slice(0, 500);
  }
  await respond(event, status, reason);
};
async function empty(store, p, deny, context) {
  const s3 = new S3.S3Client({ region: store.Region });
  const at = { Bucket: store.Bucket, ExpectedBucketOwner: p.Account };
  let tags;
  try {
    tags = (await cmd(s3, 'GetBucketTagging', at)).TagSet || [];
  } catch (e) {
    if (e.name === 'NoSuchBucket') { console.log(at.Bucket + ': no such bucket, nothing to empty'); return; }
    if (e.name !== 'NoSuchTagSet') throw e;
    tags = [];
  }
  if (!tags.some(t => t.Key === p.TagKey && t.Value === p.TagValue)) {
    console.log(at.Bucket + ': no tag ' + p.TagKey + '=' + p.TagValue + ', not ours: left as it is');
    return;
  }
  if (deny) await denyWrites(s3, at, p.Partition);
  let deleted = 0;
  for (;;) {
    if (context.getRemainingTimeInMillis() < 60000) throw new Error(at.Bucket + ': ' + deleted + ' versions deleted, more remain; delete the stack again to go on');
    const page = await cmd(s3, 'ListObjectVersions', { ...at, MaxKeys: 500 });
    const objects = [...(page.Versions || []), ...(page.DeleteMarkers || [])].map(v => ({ Key: v.Key, VersionId: v.VersionId }));
    if (objects.length === 0) break;
    const out = await cmd(s3, 'DeleteObjects', { ...at, Delete: { Objects: objects, Quiet: true } });
    if ((out.Errors || []).length > 0) throw new Error(at.Bucket + ': ' + out.Errors[0].Code + ' deleting ' + out.Errors[0].Key);
    deleted += objects.length;
  }
  console.log(at.Bucket + ': emptied, ' + deleted + ' versions deleted');
}
async function denyWrites(s3, at, partition) {
  let policy = { Version: '2012-10-17', Statement: [] };
  try {
    policy = JSON.parse((await cmd(s3, 'GetBucketPolicy', at)).Policy);
  } catch (e) {
    if (e.name !== 'NoSuchBucketPolicy') throw e;
  }
  if (policy.Statement.some(s => s.Sid === 'DenyWritesWhileEmptied')) return;
  policy.Statement.push({ Sid: 'DenyWritesWhileEmptied', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:' + partition + ':s3:::' + at.Bucket + '/*' });
  await cmd(s3, 'PutBucketPolicy', { ...at, Policy: JSON.stringify(policy) });
}
function respond(event, status, reason) {
  const body = JSON.stringify({ Status: status, Reason: reason, PhysicalResourceId: event.PhysicalResourceId || event.LogicalResourceId,
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId });
  return new Promise(resolve => {
    const req = https.request(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, res => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', e => { console.log(e); resolve(); });
    req.end(body);
  });
}
`;

/** The handler as the template holds it: without indentation (it has no multi-line string), so a little smaller. */
export const STORE_CLEANER_HANDLER = SOURCE.replace(/^ +/gm, '');

/**
 * The source of the release publisher's Lambda handler, inlined into the template (`Code.fromInline`,
 * written to `index.js`, CommonJS): no asset to stage at synthesis. Kept under 4,096 characters, the
 * inline limit CloudFormation documented until 2022 (aws-cdk-lib lifted its own check when the limit
 * went away), so no older documented limit can refuse it.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-code.html
 *
 * Event: a CodePipeline job (`CodePipeline.job`), whose `UserParameters` is the JSON line
 * `{ Region, Bucket, Key, Metadata: [names] }` followed by a line `<name>=<value>` per name, in that
 * order, with the pipeline's variables substituted (`publisherParameters` in release-publisher.ts
 * says why the values are not JSON); a value runs up to the line of the next name. Its one input
 * artifact is the release (its zip in the home artifact store).
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-Lambda.html (the event)
 *
 * It copies the input artifact's object, server-side and byte for byte, to `Key` of `Bucket` in
 * `Region`, replacing its metadata with `Metadata` plus `codepipeline-artifact-revision-summary`
 * (which the regional pipeline's S3 source action shows as the revision's summary), and reports the
 * new object's version to CodePipeline. Both buckets must belong to the job's account
 * (`ExpectedBucketOwner`, `ExpectedSourceBucketOwner`). No encryption is named: the copy takes the
 * destination bucket's default encryption (its KMS key, with its S3 Bucket Key). No tags are copied
 * (`TaggingDirective: REPLACE` without tags), so no tagging permission is needed.
 * - Up to 5 GiB: one CopyObject. Larger: a multipart upload of UploadPartCopy parts (at most 10,000
 *   parts, at least 512 MiB each), aborted when a part fails or the Lambda's time runs short.
 * - Metadata values are made printable US-ASCII (other characters percent-encoded as UTF-8, a
 *   character outside the BMP as one surrogate pair, since encodeURIComponent throws URIError on a lone
 *   surrogate; an unpaired surrogate becomes U+FFFD) and cut at 256 characters, and the summary is cut so
 *   that all user metadata stays within S3's 2 KB. S3 measures "the sum of the number of bytes in the
 *   UTF-8 encoding of each key and value" without saying whether a key counts its `x-amz-meta-` prefix:
 *   the prefix is counted, which can only leave room unused.
 * - Any failure is reported with PutJobFailureResult (the action fails; retrying it copies again); the
 *   event itself is never logged, as it carries the artifact credentials.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html (5 GiB parts, 10,000 parts)
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html (2 KB of user metadata, US-ASCII over REST)
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ArtifactRevision.html (codepipeline-artifact-revision-summary)
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PutJobSuccessResult.html
 */
const SOURCE = `const S3 = require('@aws-sdk/client-s3');
const CP = require('@aws-sdk/client-codepipeline');
const GiB = 1024 ** 3;
const pct = c => { try { return encodeURIComponent(c); } catch (e) { return '%EF%BF%BD'; } };
const ascii = v => String(v).replace(/[^\\x20-\\x7e]/gu, pct).slice(0, 256);
const meta = 'x-amz-meta-'.length;
exports.handler = async (event, context) => {
  const job = event['CodePipeline.job'];
  const cp = new CP.CodePipelineClient({});
  try {
    const up = job.data.actionConfiguration.configuration.UserParameters;
    const nl = up.indexOf('\\n');
    const p = JSON.parse(nl < 0 ? up : up.slice(0, nl));
    let rest = nl < 0 ? '' : up.slice(nl + 1);
    const from = job.data.inputArtifacts[0].location.s3Location;
    const owner = job.accountId;
    const metadata = {};
    p.Metadata.forEach((k, i) => {
      if (!rest.startsWith(k + '=')) throw new Error('UserParameters: no line ' + k + '=');
      const next = i + 1 < p.Metadata.length ? rest.indexOf('\\n' + p.Metadata[i + 1] + '=', k.length) : -1;
      metadata[k] = ascii(rest.slice(k.length + 1, next < 0 ? undefined : next));
      rest = next < 0 ? '' : rest.slice(next + 1);
    });
    let used = Object.entries(metadata).reduce((n, [k, v]) => n + meta + k.length + v.length, 0);
    const summaryKey = 'codepipeline-artifact-revision-summary';
    const summary = Object.entries(metadata).map(([k, v]) => k + '=' + v).join(', ');
    metadata[summaryKey] = summary.slice(0, Math.max(0, 2048 - used - meta - summaryKey.length));
    const source = encodeURIComponent(from.bucketName) + '/' + from.objectKey.split('/').map(encodeURIComponent).join('/');
    const home = new S3.S3Client({});
    const size = (await home.send(new S3.HeadObjectCommand({ Bucket: from.bucketName, Key: from.objectKey, ExpectedBucketOwner: owner }))).ContentLength;
    const s3 = new S3.S3Client({ region: p.Region });
    const target = { Bucket: p.Bucket, Key: p.Key, ExpectedBucketOwner: owner };
    let version;
    if (size <= 5 * GiB) {
      version = (await s3.send(new S3.CopyObjectCommand({ ...target, CopySource: source, ExpectedSourceBucketOwner: owner,
        MetadataDirective: 'REPLACE', Metadata: metadata, ContentType: 'application/zip', TaggingDirective: 'REPLACE' }))).VersionId;
    } else {
      const part = Math.max(GiB / 2, Math.ceil(size / 10000));
      const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ ...target, Metadata: metadata, ContentType: 'application/zip' }));
      try {
        const parts = [];
        for (let start = 0, n = 1; start < size; start += part, n++) {
          if (context.getRemainingTimeInMillis() < 60000) throw new Error('the copy of ' + size + ' bytes did not finish within the Lambda function\\'s time; retry the action');
          const r = await s3.send(new S3.UploadPartCopyCommand({ ...target, UploadId, PartNumber: n, CopySource: source, ExpectedSourceBucketOwner: owner,
            CopySourceRange: 'bytes=' + start + '-' + (Math.min(start + part, size) - 1) }));
          parts.push({ PartNumber: n, ETag: r.CopyPartResult.ETag });
        }
        version = (await s3.send(new S3.CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }))).VersionId;
      } catch (e) {
        await s3.send(new S3.AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => undefined);
        throw e;
      }
    }
    const where = 's3://' + p.Bucket + '/' + p.Key;
    console.log('released ' + size + ' bytes to ' + where + ' (version ' + version + ')');
    await cp.send(new CP.PutJobSuccessResultCommand({ jobId: job.id,
      executionDetails: { summary: ('Released to ' + where + ', version ' + version).slice(0, 2048), externalExecutionId: version, percentComplete: 100 } }));
  } catch (e) {
    console.log('release failed: ' + (e.name || 'Error') + ': ' + e.message);
    await cp.send(new CP.PutJobFailureResultCommand({ jobId: job.id,
      failureDetails: { type: 'JobFailed', message: ((e.name || 'Error') + ': ' + e.message).slice(0, 5000) } }));
  }
};
`;

export const RELEASE_PUBLISHER_HANDLER = SOURCE;

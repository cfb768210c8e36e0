/*
 * The shell script of the machine-image distribution (private/image-distribution.ts): what the
 * distribution's CodeBuild project runs in the pipeline's region, once per region that receives the
 * image, through the AWS CLI and that region's EC2 and Systems Manager endpoints
 * (`aws ec2 --region <region>`, `aws ssm --region <region>`).
 *
 * Every value reaches the script through environment variables (never pasted into its text) and is
 * used in double quotes, so no parameter name, revision or key can change what the shell runs.
 * Tags are handed to the CLI as JSON built with jq (on CodeBuild's standard images), never in the
 * CLI's shorthand syntax, which commas and brackets in a value would break.
 *
 * - on the action: `TARGET_REGION`, `SOURCE_IMAGE_ID` (the build's exported variable), `EXECUTION_ID`
 *   (`#{codepipeline.PipelineExecutionId}`), `SOURCE_REVISION` (the source's commit or version),
 *   `KMS_KEY_ID` (the region's key for the copy; empty for none);
 * - on the project: `SOURCE_REGION` (the pipeline's region), `PARAMETER_NAME`, `KEEP_IMAGES`,
 *   `TAG_KEY` and `DISTRIBUTION_ID` (the tag that marks the distribution's copies), `IMAGE_NAME_PREFIX`,
 *   `ENCRYPTED` (`true` to encrypt copies with the region's default EBS key when no key is named).
 *
 * Steps, each safe to retry (a stage retried or a build restarted):
 * 1. copy: an available or pending copy of this source image by this distribution in the region is
 *    reused; otherwise `ec2 copy-image`, the copy and its snapshots tagged at creation
 *    (`--tag-specifications`) with the distribution, the source image and region, the execution and
 *    the source revision;
 * 2. wait: `ec2 wait image-available` polls every 15 seconds 40 times (10 minutes, botocore's
 *    `ImageAvailable` waiter) and gives up; a copy still `pending` is waited for again, until the
 *    project's timeout ends the build; a `failed` copy fails the action with EC2's reason. The
 *    waiter has no acceptor for `InvalidAMIID.NotFound` (unlike `ImageExists`), so it stops at once
 *    when DescribeImages does not know the new ID yet, which EC2's eventual consistency allows right
 *    after CopyImage ("its ID might not have propagated throughout the system, and you will get an
 *    error responding that the resource does not exist"): an unknown copy is looked for again every
 *    15 seconds, up to 20 times (5 minutes, `UNSEEN_CHECKS`), before the action fails;
 * 3. parameter: `ssm put-parameter --overwrite --type String --data-type aws:ec2:image`; Systems
 *    Manager validates such a value asynchronously (a successful call does not mean the parameter was
 *    written), so the script reads the parameter back until it names the copy;
 * 4. retention: of the distribution's copies in the region (selected by its tag, never anything
 *    else), the one the parameter names and the newest others up to `KEEP_IMAGES` in all are kept;
 *    pending copies (another execution's) are never touched; the rest are deregistered, then their
 *    snapshots deleted (a snapshot of a registered image cannot be deleted). Retention is cleanup
 *    after the copy and the parameter are done: a copy EC2 refuses to remove (an operator turned on
 *    its deregistration protection, or a snapshot is in use) is a warning, not a failed action, so
 *    one protected image does not stop every later release.
 *
 * @see https://docs.aws.amazon.com/cli/latest/reference/ec2/copy-image.html
 * @see https://docs.aws.amazon.com/cli/latest/reference/ec2/wait/image-available.html
 * @see https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html
 * @see https://github.com/boto/botocore/blob/develop/botocore/data/ec2/2016-11-15/waiters-2.json (ImageAvailable: success `available`, failure `failed`, no error acceptor)
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html (DataType)
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-ec2-aliases.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/deregister-ami.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ami-deregistration-protection.html
 */

/** Tag keys the distribution writes on every copy (besides `TAG_KEY`), for operators to trace a copy. */
export const TRACE_TAGS = {
  sourceImage: 'multi-region-delivery:source-image',
  sourceRegion: 'multi-region-delivery:source-region',
  executionId: 'multi-region-delivery:execution-id',
  sourceRevision: 'multi-region-delivery:source-revision',
};

/** How often, and how many times, the script reads the parameter back (Systems Manager validates it asynchronously). */
const PARAMETER_CHECKS = 40;
const PARAMETER_CHECK_SECONDS = 3;

/** How many times (15 seconds apart) the script looks for a copy EC2 does not know yet (eventual consistency). */
const UNSEEN_CHECKS = 20;

const SCRIPT = `set -euo pipefail
shopt -s inherit_errexit
for name in TARGET_REGION SOURCE_REGION SOURCE_IMAGE_ID PARAMETER_NAME KEEP_IMAGES TAG_KEY DISTRIBUTION_ID IMAGE_NAME_PREFIX; do
  if [ -z "\${!name:-}" ]; then echo "internal: $name is not set" >&2; exit 2; fi
done
case "$SOURCE_IMAGE_ID" in
  ami-*) ;;
  *) echo "The build's image ID '$SOURCE_IMAGE_ID' is not an AMI ID (ami-...); check the exported variable the build sets." >&2; exit 1 ;;
esac
where="$PARAMETER_NAME in $TARGET_REGION"
ec2() { aws ec2 --region "$TARGET_REGION" "$@"; }
ssm() { aws ssm --region "$TARGET_REGION" "$@"; }

tags_json() {
  jq -n -c --arg dk "$TAG_KEY" --arg dv "$DISTRIBUTION_ID" --arg source "$SOURCE_IMAGE_ID" --arg region "$SOURCE_REGION" \\
    --arg execution "\${EXECUTION_ID:-unknown}" --arg revision "\${SOURCE_REVISION:-unknown}" --arg name "$IMAGE_NAME" \\
    '[{Key: $dk, Value: $dv}, {Key: "Name", Value: $name},
      {Key: "${TRACE_TAGS.sourceImage}", Value: $source}, {Key: "${TRACE_TAGS.sourceRegion}", Value: $region},
      {Key: "${TRACE_TAGS.executionId}", Value: $execution}, {Key: "${TRACE_TAGS.sourceRevision}", Value: $revision}]
     | [{ResourceType: "image", Tags: .}, {ResourceType: "snapshot", Tags: .}]'
}

existing_copy() {
  ec2 describe-images --owners self \\
    --filters "Name=tag:$TAG_KEY,Values=$DISTRIBUTION_ID" "Name=tag:${TRACE_TAGS.sourceImage},Values=$SOURCE_IMAGE_ID" "Name=state,Values=available,pending" \\
    --query 'Images[0].ImageId' --output text
}

copy_image() {
  local found
  found="$(existing_copy)"
  if [ -n "$found" ] && [ "$found" != None ]; then
    IMAGE_ID="$found"
    echo "$SOURCE_IMAGE_ID was copied to $TARGET_REGION before, as $IMAGE_ID: using that copy"
    return 0
  fi
  local encryption=()
  if [ -n "\${KMS_KEY_ID:-}" ]; then
    encryption=(--encrypted --kms-key-id "$KMS_KEY_ID")
  elif [ "\${ENCRYPTED:-false}" = true ]; then
    encryption=(--encrypted)
  fi
  local description="Copy of $SOURCE_IMAGE_ID ($SOURCE_REGION) for $PARAMETER_NAME, pipeline execution \${EXECUTION_ID:-unknown}"
  echo "Copying $SOURCE_IMAGE_ID from $SOURCE_REGION to $TARGET_REGION as $IMAGE_NAME"
  IMAGE_ID="$(ec2 copy-image --source-region "$SOURCE_REGION" --source-image-id "$SOURCE_IMAGE_ID" --name "$IMAGE_NAME" \\
    --description "\${description:0:255}" --tag-specifications "$(tags_json)" "\${encryption[@]}" --query ImageId --output text)"
  echo "Copy started: $IMAGE_ID in $TARGET_REGION"
}

wait_available() {
  local state reason unseen=0
  while :; do
    if ec2 wait image-available --image-ids "$IMAGE_ID"; then
      echo "$IMAGE_ID is available in $TARGET_REGION"
      return 0
    fi
    read -r state reason <<< "$(ec2 describe-images --image-ids "$IMAGE_ID" --query 'Images[0].[State, StateReason.Message]' --output text || true)"
    case "$state" in
      available) echo "$IMAGE_ID is available in $TARGET_REGION"; return 0 ;;
      pending) echo "$IMAGE_ID is still pending in $TARGET_REGION; waiting on (until the project's timeout)" ;;
      ''|None)
        # InvalidAMIID.NotFound right after CopyImage: EC2's eventual consistency, not a missing copy
        unseen=$((unseen + 1))
        if [ "$unseen" -gt ${UNSEEN_CHECKS} ]; then
          echo "$where: EC2 in $TARGET_REGION still does not know the copy $IMAGE_ID of $SOURCE_IMAGE_ID after ${UNSEEN_CHECKS} checks" >&2
          return 1
        fi
        echo "$IMAGE_ID is not visible yet in $TARGET_REGION (EC2 is eventually consistent); looking again in 15 seconds"
        sleep 15 ;;
      *) echo "$where: the copy $IMAGE_ID of $SOURCE_IMAGE_ID is $state: $reason" >&2; return 1 ;;
    esac
  done
}

put_parameter() {
  local version current='' check
  version="$(ssm put-parameter --name "$PARAMETER_NAME" --value "$IMAGE_ID" --type String --data-type aws:ec2:image --overwrite \\
    --query Version --output text)"
  for ((check = 1; check <= ${PARAMETER_CHECKS}; check++)); do
    current="$(ssm get-parameter --name "$PARAMETER_NAME" --query Parameter.Value --output text 2> /dev/null || true)"
    if [ "$current" = "$IMAGE_ID" ]; then
      echo "Parameter $PARAMETER_NAME in $TARGET_REGION names $IMAGE_ID (version $version)"
      return 0
    fi
    sleep ${PARAMETER_CHECK_SECONDS}
  done
  echo "$where: Systems Manager did not take $IMAGE_ID (the parameter still names '$current' after ${PARAMETER_CHECKS} reads); it validates aws:ec2:image values asynchronously, see the parameter's history" >&2
  return 1
}

# returns non-zero when EC2 refuses (the copy stays registered, or a snapshot stays): the caller warns and goes on
delete_image() {
  local image="$1" listing snapshot failed=0
  local snapshots=()
  if ! listing="$(ec2 describe-images --image-ids "$image" --query 'Images[0].BlockDeviceMappings[].Ebs.SnapshotId' --output text)"; then return 1; fi
  read -r -a snapshots <<< "$listing"
  echo "Deregistering $image in $TARGET_REGION (beyond the newest $KEEP_IMAGES)"
  if ! ec2 deregister-image --image-id "$image"; then return 1; fi
  for snapshot in "\${snapshots[@]}"; do
    if [ "$snapshot" != None ]; then
      echo "Deleting snapshot $snapshot of $image"
      ec2 delete-snapshot --snapshot-id "$snapshot" || failed=1
    fi
  done
  return "$failed"
}

retain() {
  local listing image state kept=1
  # the distribution's copies, newest first: image ID and state, one a line
  listing="$(ec2 describe-images --owners self --filters "Name=tag:$TAG_KEY,Values=$DISTRIBUTION_ID" \\
    --query 'reverse(sort_by(Images, &CreationDate))[].[ImageId, State]' --output text)"
  while read -r image state; do
    if [ -z "$image" ] || [ "$image" = "$IMAGE_ID" ]; then continue; fi
    if [ "$state" = pending ]; then echo "Keeping $image (pending: another execution's copy)"; continue; fi
    if [ "$kept" -lt "$KEEP_IMAGES" ]; then kept=$((kept + 1)); echo "Keeping $image"; continue; fi
    delete_image "$image" || echo "Warning: $where: EC2 refused to remove the old copy $image or one of its snapshots (see the error above: deregistration protection, a snapshot in use); the distribution goes on, the next one tries again while $image is registered" >&2
  done <<< "$listing"
}

IMAGE_NAME="$IMAGE_NAME_PREFIX$SOURCE_IMAGE_ID"
copy_image
wait_available
put_parameter
retain
`;

/** The script, run with bash (the buildspec sets `env.shell: bash`). */
export function imageCopyScript(): string {
  return SCRIPT;
}

import { selectRoute } from './route-project';

/*
 * The shell script of the CodeBuild route (private/codebuild-route.ts): what the route's CodeBuild
 * project runs in the pipeline's region to deliver a CloudFormation stack to a region without
 * CodePipeline, through the AWS CLI and that region's CloudFormation endpoint
 * (`aws cloudformation --region <target>`, so cloudformation.<target>.amazonaws.com).
 *
 * Every value reaches the script through environment variables (never pasted into its text) and is
 * used in double quotes, so no stack name, path or parameter can change what the shell runs.
 *
 * - `ROUTE` (on the action): the target's route ID (`R` and 8 hex digits), the prefix of its
 *   variables on the project, which is shared by every routed target of the pipeline;
 * - `STEP` (on the action): `create` (replace the change set), `execute` (execute it and wait) or
 *   `deploy` (both at once: the infrastructure stack, CREATE_UPDATE-like);
 * - `STACK` (on the action): `APP` or `INFRA`, which set of the target's variables to use:
 *   `<ROUTE>_<STACK>_STACK_NAME`, `<ROUTE>_<STACK>_TEMPLATE_PATH`, `<ROUTE>_<STACK>_PARAMETERS` (a JSON
 *   list of `ParameterKey`/`ParameterValue`, `[]` for none), `<ROUTE>_<STACK>_CAPABILITIES`
 *   (space-separated);
 * - on the project, per target: `<ROUTE>_TARGET_REGION`, `<ROUTE>_CHANGE_SET_NAME`,
 *   `<ROUTE>_DEPLOYMENT_ROLE_ARN` (passed to CloudFormation with `--role-arn`), `<ROUTE>_STAGING_BUCKET`
 *   (a bucket in the target region).
 *
 * Safe to retry (a stage retried, a rollback re-run, a build restarted): the change set is created
 * or replaced (an old one of that name is deleted first); executing a change set that an earlier
 * attempt consumed creates it again from the same input artifact, so a retry never fails with
 * ChangeSetNotFound (aws-cdk #11995, #21677). A stack whose creation failed (ROLLBACK_COMPLETE, which
 * can only be deleted) is deleted and created again.
 *
 * @see https://docs.aws.amazon.com/cli/latest/reference/cloudformation/create-change-set.html
 * @see https://docs.aws.amazon.com/cli/latest/reference/cloudformation/execute-change-set.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteChangeSet.html
 */

/**
 * CloudFormation's limit for a template passed inline (`TemplateBody`): 51,200 bytes (API reference
 * of CreateChangeSet / ValidateTemplate, and the quotas page). Larger templates are staged in the
 * target region's bucket and passed by `TemplateURL`, whose limit the documents state differently
 * (460,800 bytes in the API reference, 1 MB on the quotas page): the script leaves that check to
 * CloudFormation, so it refuses nothing CloudFormation accepts.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html
 */
export const TEMPLATE_BODY_MAX_BYTES = 51_200;

/** Reasons CloudFormation gives for a change set without changes (then nothing is executed). */
const NO_CHANGES = ['didn\'t contain changes', 'No updates are to be performed'];

const SCRIPT = `set -euo pipefail
shopt -s inherit_errexit
case "\${STACK:-}" in APP|INFRA) ;; *) echo "internal: STACK must be APP or INFRA, got '\${STACK:-}'" >&2; exit 2 ;; esac
${selectRoute(['TARGET_REGION', 'CHANGE_SET_NAME', 'DEPLOYMENT_ROLE_ARN', 'STAGING_BUCKET'])}STACK_NAME="$(printenv "\${ROUTE}_\${STACK}_STACK_NAME")"
TEMPLATE_FILE="\${CODEBUILD_SRC_DIR:-.}/$(printenv "\${ROUTE}_\${STACK}_TEMPLATE_PATH")"
PARAMETERS="$(printenv "\${ROUTE}_\${STACK}_PARAMETERS" || echo '[]')"
read -r -a CAPABILITY_LIST <<< "$(printenv "\${ROUTE}_\${STACK}_CAPABILITIES" || true)"
where="stack $STACK_NAME in $TARGET_REGION"

cfn() { aws cloudformation --region "$TARGET_REGION" "$@"; }

stack_status() {
  local out
  if out="$(cfn describe-stacks --stack-name "$STACK_NAME" --query 'Stacks[0].StackStatus' --output text 2>&1)"; then
    printf '%s\\n' "$out"
  elif printf '%s' "$out" | grep -q 'does not exist'; then
    echo NONE
  else
    printf '%s\\n' "$out" >&2
    return 1
  fi
}

wait_stack() {
  local status
  while :; do
    status="$(stack_status)"
    case "$status" in
      REVIEW_IN_PROGRESS) break ;;
      *_IN_PROGRESS) sleep 15 ;;
      *) break ;;
    esac
  done
  printf '%s\\n' "$status"
}

# DescribeStacks is eventually consistent: right after ExecuteChangeSet it can still show the stack as it
# was (REVIEW_IN_PROGRESS for a new stack, the last *_COMPLETE for an update), which would end wait_stack
# at once, failing a creation or passing an update that has not run yet. So the script waits (up to 5
# minutes) until the status or LastUpdatedTime shows the execution; REVIEW_IN_PROGRESS never does.
# https://github.com/aws/aws-cdk-cli/pull/1848 (the same stale read in the CDK CLI)
stack_marker() {
  cfn describe-stacks --stack-name "$STACK_NAME" --query 'Stacks[0].[StackStatus, LastUpdatedTime]' --output text 2> /dev/null || echo NONE
}

wait_started() {
  local now
  for _ in $(seq 60); do
    now="$(stack_marker)"
    if [ "$now" != "$1" ] && [[ "$now" != REVIEW_IN_PROGRESS* ]]; then return 0; fi
    sleep 5
  done
  echo "$where does not show the execution of change set $CHANGE_SET_NAME after 5 minutes; waiting for it as it is"
}

change_set() {
  cfn describe-change-set --stack-name "$STACK_NAME" --change-set-name "$CHANGE_SET_NAME" \\
    --query '[Status, ExecutionStatus, StatusReason]' --output text
}

no_changes() {
  case "$1" in ${NO_CHANGES.map(reason => `*"${reason}"*`).join('|')}) return 0 ;; *) return 1 ;; esac
}

show_failure() {
  echo "$where: $1" >&2
  echo "Latest stack events:" >&2
  cfn describe-stack-events --stack-name "$STACK_NAME" --max-items 25 \\
    --query 'StackEvents[].[Timestamp, LogicalResourceId, ResourceStatus, ResourceStatusReason]' --output table >&2 || true
}

template_option() {
  local size key
  size="$(wc -c < "$TEMPLATE_FILE")"
  if [ "$size" -le ${TEMPLATE_BODY_MAX_BYTES} ]; then
    TEMPLATE_OPTION=(--template-body "file://$TEMPLATE_FILE")
  else
    key="templates/$STACK_NAME/$(sha256sum < "$TEMPLATE_FILE" | cut -c1-64).template"
    echo "The template has $size bytes, over the ${TEMPLATE_BODY_MAX_BYTES} bytes of an inline template: staging it in s3://$STAGING_BUCKET/$key"
    aws s3 cp --region "$TARGET_REGION" --only-show-errors "$TEMPLATE_FILE" "s3://$STAGING_BUCKET/$key"
    TEMPLATE_OPTION=(--template-url "https://$STAGING_BUCKET.s3.$TARGET_REGION.amazonaws.com/$key")
  fi
}

replace_change_set() {
  local status type
  status="$(wait_stack)"
  case "$status" in
    NONE|REVIEW_IN_PROGRESS) type=CREATE ;;
    ROLLBACK_COMPLETE)
      echo "$where failed to create before (ROLLBACK_COMPLETE, which CloudFormation can only delete): deleting it to create it again"
      cfn delete-stack --stack-name "$STACK_NAME"
      status="$(wait_stack)"
      if [ "$status" != NONE ]; then show_failure "could not be deleted ($status)"; return 1; fi
      type=CREATE ;;
    *_FAILED) show_failure "is $status; CloudFormation needs it repaired by hand (continue-update-rollback or delete-stack) first"; return 1 ;;
    *) type=UPDATE ;;
  esac
  cfn delete-change-set --stack-name "$STACK_NAME" --change-set-name "$CHANGE_SET_NAME" > /dev/null 2>&1 || true
  template_option
  local extra=()
  if [ "$PARAMETERS" != '[]' ]; then extra+=(--parameters "$PARAMETERS"); fi
  if [ "\${#CAPABILITY_LIST[@]}" -gt 0 ]; then extra+=(--capabilities "\${CAPABILITY_LIST[@]}"); fi
  echo "Creating change set $CHANGE_SET_NAME ($type) of $where"
  cfn create-change-set --stack-name "$STACK_NAME" --change-set-name "$CHANGE_SET_NAME" --change-set-type "$type" \\
    --role-arn "$DEPLOYMENT_ROLE_ARN" "\${TEMPLATE_OPTION[@]}" "\${extra[@]}" > /dev/null
  local state execution reason
  while :; do
    read -r state execution reason <<< "$(change_set)"
    case "$state" in CREATE_PENDING|CREATE_IN_PROGRESS) sleep 5 ;; *) break ;; esac
  done
  if [ "$state" = CREATE_COMPLETE ]; then echo "Change set $CHANGE_SET_NAME of $where is ready"; return 0; fi
  if no_changes "$reason"; then echo "No changes for $where: $reason"; return 0; fi
  echo "$where: change set $CHANGE_SET_NAME is $state: $reason" >&2
  return 1
}

execute_change_set() {
  local found state execution reason final
  if found="$(change_set 2>&1)"; then
    read -r state execution reason <<< "$found"
  elif printf '%s' "$found" | grep -q -e ChangeSetNotFound -e 'does not exist'; then
    echo "Change set $CHANGE_SET_NAME of $where not found (an earlier attempt executed or deleted it): creating it again from this execution's template"
    replace_change_set
    read -r state execution reason <<< "$(change_set)"
  else
    printf '%s\\n' "$found" >&2
    return 1
  fi
  if [ "$state" = FAILED ] && no_changes "$reason"; then
    echo "Nothing to execute for $where: $reason"
    cfn delete-change-set --stack-name "$STACK_NAME" --change-set-name "$CHANGE_SET_NAME" > /dev/null 2>&1 || true
    return 0
  fi
  if [ "$execution" = AVAILABLE ]; then
    local before
    before="$(stack_marker)"
    echo "Executing change set $CHANGE_SET_NAME of $where"
    cfn execute-change-set --stack-name "$STACK_NAME" --change-set-name "$CHANGE_SET_NAME"
    wait_started "$before"
  elif [ "$execution" != EXECUTE_IN_PROGRESS ]; then
    echo "$where: change set $CHANGE_SET_NAME cannot be executed (status $state, execution status $execution): $reason" >&2
    return 1
  fi
  final="$(wait_stack)"
  case "$final" in
    CREATE_COMPLETE|UPDATE_COMPLETE|IMPORT_COMPLETE) echo "$where is $final" ;;
    *) show_failure "deployment failed, the stack is $final (CloudFormation rolled it back)"; return 1 ;;
  esac
}

case "\${STEP:-}" in
  create) replace_change_set ;;
  execute) execute_change_set ;;
  deploy) replace_change_set; execute_change_set ;;
  *) echo "internal: STEP must be create, execute or deploy, got '\${STEP:-}'" >&2; exit 2 ;;
esac
`;

/** The script, run with bash (the buildspec sets `env.shell: bash`). */
export function changeSetScript(): string {
  return SCRIPT;
}

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/*
 * The construct's own Lambda functions (the store cleaner, the release publisher): inline code (no
 * asset to stage at synthesis), the newest Node.js runtime aws-cdk-lib knows, Lambda's longest
 * timeout, and a log group of their own.
 */

/** A function's own log group, and the statement that lets its role write exactly that group. */
export interface FunctionLogs {
  readonly logGroup: logs.ILogGroup;
  readonly write: iam.PolicyStatement;
}

/**
 * The log group of one of the construct's functions (`<scope>/Logs`): kept as long as the artifacts
 * (90 days), deleted with the stack after the function that names it (a log group that Lambda
 * creates by itself would outlive the stack), written by exactly the function's role (no
 * AWSLambdaBasicExecutionRole, which may write any log group).
 * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html
 */
export function functionLogs(scope: Construct): FunctionLogs {
  const logGroup = new logs.LogGroup(scope, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
  return {
    logGroup,
    write: new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
  };
}

/** What one of the construct's functions is made of. */
export interface InlineFunctionProps {
  readonly description: string;
  /** The handler's source, CommonJS, exporting `handler` (CloudFormation writes it to `index.js`). */
  readonly code: string;
  readonly role: iam.IRole;
  readonly logs: FunctionLogs;
}

/**
 * One of the construct's functions (`<scope>/Function`), with 256 MB and 15 minutes, the longest a
 * Lambda function runs: its handler gives up a minute before and says so.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-code.html
 */
export function inlineFunction(scope: Construct, props: InlineFunctionProps): lambda.Function {
  return new lambda.Function(scope, 'Function', {
    description: props.description,
    runtime: latestNodeRuntime(),
    handler: 'index.handler',
    code: lambda.Code.fromInline(props.code),
    timeout: Duration.minutes(15),
    memorySize: 256,
    role: props.role,
    logGroup: props.logs.logGroup,
  });
}

/**
 * The newest Node.js runtime the app's aws-cdk-lib knows: what cdk-nag's AwsSolutions-L1 asks for
 * (it compares with the same list, `Runtime.ALL`).
 */
function latestNodeRuntime(): lambda.Runtime {
  const version = (runtime: lambda.Runtime) => Number(/^nodejs(\d+)\.x$/.exec(runtime.name)?.[1] ?? -1);
  return lambda.Runtime.ALL.filter(runtime => runtime.family === lambda.RuntimeFamily.NODEJS)
    .reduce((latest, runtime) => version(runtime) > version(latest) ? runtime : latest);
}

import { Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { functionLogs, inlineFunction } from './inline-function';
import { BindContext, PipelinePlugin, PluginBinding, StoreDirectory } from './protocol';
import { RELEASE_PUBLISHER_HANDLER } from './release-publisher-handler';

/*
 * How the home pipeline of the regional topology publishes a release: one Lambda invoke action per
 * target region in its `Publish` stage, all calling one function of the home pipeline's (inline code,
 * private/release-publisher-handler.ts), which copies the release (the input artifact's zip in the
 * home store) server-side, byte for byte, to the release key of that region's store, with the source
 * revision and the home execution ID as object metadata. CopyObject (and a multipart copy's
 * CompleteMultipartUpload) raises the `Object Created` event that starts the region's pipeline.
 * Why this transport, rather than S3 deploy actions (no metadata setting), S3 replication or a
 * CodeBuild copy, is written down in the README ("Transport").
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3Deploy.html (no metadata parameter)
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html (reason: PutObject, POST Object, CopyObject, CompleteMultipartUpload)
 */

/** Where the release lands in every region's artifact store. */
export const RELEASE_OBJECT_KEY = 'release/release.zip';

/** The object metadata of the release that names the home pipeline's execution. */
export const EXECUTION_METADATA = 'pipeline-execution-id';

/**
 * The release's metadata, as the action hands it to the function: every source variable
 * (`SOURCE_COMMIT_ID` becomes `source-commit-id`, its value `#{Source.CommitId}`) and the home
 * pipeline's execution ID, substituted by CodePipeline when the action runs.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html
 */
export function releaseMetadata(sourceVariables: { [name: string]: string }): { [name: string]: string } {
  return {
    ...Object.fromEntries(Object.entries(sourceVariables).map(([name, value]) => [name.toLowerCase().replace(/_/g, '-'), value])),
    [EXECUTION_METADATA]: codepipeline.GlobalVariables.executionId,
  };
}

/**
 * The action's `UserParameters`: a first line of JSON with what is known at synthesis (`Region`,
 * `Bucket`, `Key`, and the metadata names in order), then one line `<name>=<value>` per metadata
 * name, in that order, each value a CodePipeline variable. The values are not in the JSON because
 * CodePipeline substitutes variables into action configurations without escaping them: a `"` in a
 * Git branch name (Git allows it) or a quoted S3 ETag would break the JSON, and with it every
 * release (aws-cdk issue 31213: "variables with special characters break lambda invoke JSON").
 * The handler (release-publisher-handler.ts) reads each value up to the line of the next name, so
 * a value may hold anything, newlines included.
 * @see https://github.com/aws/aws-cdk/issues/31213
 */
export function publisherParameters(target: { readonly Region: string; readonly Bucket: string; readonly Key: string },
  metadata: { [name: string]: string }): string {
  return [JSON.stringify({ ...target, Metadata: Object.keys(metadata) }), ...Object.entries(metadata).map(([name, value]) => `${name}=${value}`)].join('\n');
}

/**
 * One action of the home pipeline's `Publish` stage: the release to one region. The action runs in
 * the pipeline's region (it is no cross-region action: CodePipeline copies no artifact for it); its
 * role is the stage's shared action role, granted by aws-cdk-lib's action what invoking the function
 * needs.
 */
export class PublishRelease implements PipelinePlugin {
  constructor(private readonly region: string) {}

  public _bind(context: BindContext): PluginBinding {
    const publisher = ReleasePublisher.of(context.scope, context.stores, context.homeRegion);
    publisher.allowRelease(this.region);
    return {
      actions: context.steps.map(named => new actions.LambdaInvokeAction({
        actionName: named.actionName,
        runOrder: named.step.runOrder,
        lambda: publisher.function,
        inputs: [context.artifacts.templates],
        userParametersString: publisherParameters({
          Region: this.region,
          Bucket: context.stores.bucketName(this.region),
          Key: RELEASE_OBJECT_KEY,
        }, releaseMetadata(context.source.variables)),
        role: context.roles.stageActionRole,
      })),
    };
  }
}

/**
 * The function that copies releases, one per home pipeline (`Publish/Publisher`), with a role that
 * may read the home store's objects, write exactly the release key of each region it publishes to
 * (and use those stores' keys, through their aliases, when they are KMS-encrypted), and write its own
 * log group.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html (read on the source, write on the target)
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions (multipart: s3:PutObject, s3:AbortMultipartUpload; KMS Decrypt and GenerateDataKey)
 */
class ReleasePublisher extends Construct {
  public static of(scope: Construct, stores: StoreDirectory, homeRegion: string): ReleasePublisher {
    return (scope.node.tryFindChild('Publisher') as ReleasePublisher | undefined) ?? new ReleasePublisher(scope, 'Publisher', stores, homeRegion);
  }

  public readonly function: lambda.Function;
  private readonly role: iam.Role;

  private constructor(scope: Construct, id: string, private readonly stores: StoreDirectory, homeRegion: string) {
    super(scope, id);
    const home = stores.bucket(homeRegion);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Copies the releases of the pipeline in ${Stack.of(this).stackName} to the regional pipelines' stores`,
    });
    const own = functionLogs(this);
    this.role.addToPrincipalPolicy(own.write);
    // the release is an artifact of the home store (HeadObject and CopyObject read it)
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [home.arnForObjects('*')] }));
    stores.key(homeRegion)?.grantDecrypt(this.role);
    // a copy of several GiB across regions takes minutes; a multipart copy gives up a minute before the 15
    this.function = inlineFunction(this, {
      description: `Copies each release of the pipeline in ${Stack.of(this).stackName} to the regional pipelines' stores, with its source revision and execution ID`,
      code: RELEASE_PUBLISHER_HANDLER,
      role: this.role,
      logs: own,
    });
  }

  /** Lets the function write the release key of `region`'s store. */
  public allowRelease(region: string): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: [this.stores.bucket(region).arnForObjects(RELEASE_OBJECT_KEY)],
    }));
    this.stores.key(region)?.grantEncryptDecrypt(this.role);
  }
}

import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import { CodeCommitSource, CodeCommitSourceOptions } from './codecommit-source';
import { ConnectionSource, ConnectionSourceOptions } from './connection-source';
import { S3Source, S3SourceProps } from './s3-source';
import { BindContext, PluginBinding, SourceKind } from '../private/protocol';

/**
 * Where the pipeline gets its source. The source action always runs in the pipeline's own region
 * (a CodePipeline rule: source actions cannot be cross-region).
 */
export class PipelineSource {
  /**
   * A versioned Amazon S3 object. The pipeline starts when a new version of the object is written
   * (an EventBridge rule on S3's "Object Created" event; no polling).
   */
  public static s3(props: S3SourceProps): PipelineSource {
    return new PipelineSource(new S3Source(props));
  }

  /**
   * A Git repository reached through an AWS CodeConnections connection (GitHub, GitHub Enterprise
   * Server, Bitbucket Cloud, GitLab). The pipeline starts on pushes through a pipeline trigger with
   * push filters (branches, file paths or tags), so that, for example, a push that changes only
   * `docs/**` does not start it.
   *
   * @param repository the repository as `owner/repo`, for example `my-org/my-service`
   * @param branch the branch to build (also the branch of manually started executions)
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html
   */
  public static connection(repository: string, branch: string, options: ConnectionSourceOptions): PipelineSource {
    return new PipelineSource(new ConnectionSource(repository, branch, options));
  }

  /**
   * A branch of an AWS CodeCommit repository in the pipeline's region. The pipeline starts on the
   * repository's EventBridge events for that branch (no polling).
   *
   * @param repository the repository; it must be in the pipeline's region
   * @param branch the branch to build
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeCommit.html
   */
  public static codeCommit(repository: codecommit.IRepository, branch: string, options: CodeCommitSourceOptions = {}): PipelineSource {
    return new PipelineSource(new CodeCommitSource(repository, branch, options));
  }

  /**
   * Short description of the source, for the deployment plan.
   */
  public readonly description: string;

  private constructor(private readonly kind: SourceKind) {
    this.description = kind.description;
  }

  /**
   * Source variables handed to the build as environment variables (name to `#{Source.X}` expression).
   * @internal
   */
  public get _variables(): { [name: string]: string } {
    return this.kind.variables;
  }

  /**
   * What the plan says of the source: its description and the variables it hands to the build,
   * such as `connection my-org/app@main (CommitId, BranchName)`.
   * @internal
   */
  public get _planDetail(): string {
    const outputs = Object.values(this.kind.variables)
      .map(expression => /^#\{[^.}]+\.([^}]+)\}$/.exec(expression)?.[1])
      .filter((name): name is string => name !== undefined);
    return outputs.length > 0 ? `${this.description} (${outputs.join(', ')})` : this.description;
  }

  /**
   * Grants a CodeBuild project what reading the source output needs beyond the artifact store.
   * @internal
   */
  public _grantRead(project: codebuild.IProject): void {
    this.kind.grantRead(project);
  }

  /**
   * Creates the source action (and what starts the pipeline).
   * @internal
   */
  public _bind(context: BindContext): PluginBinding {
    return this.kind._bind(context);
  }
}

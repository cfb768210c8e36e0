import { Annotations, Arn, ArnFormat, CfnResource, Fn, Stack, Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { suppressNag } from './private/nag';

/**
 * Properties of an Amazon S3 source.
 */
export interface S3SourceProps {
  /**
   * The bucket holding the source archive. It must be versioned (a CodePipeline rule) and in the
   * pipeline's region. The pipeline starts on the bucket's EventBridge "Object Created" events, so
   * EventBridge notifications must be on: the construct turns them on for a bucket defined in the
   * same app; for an imported bucket, turn them on yourself.
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3.html
   */
  readonly bucket: s3.IBucket;

  /**
   * Key of the source object (a .zip archive) in the bucket.
   */
  readonly objectKey: string;
}

/**
 * Options of a source reached through an AWS CodeConnections (formerly CodeStar Connections)
 * connection: GitHub, GitHub Enterprise Server, Bitbucket Cloud, GitLab.com or GitLab self-managed.
 *
 * The pipeline starts on pushes through a pipeline (type V2) trigger with one push filter: by
 * default, pushes to `branch`; narrow it with the branch and file path patterns, or start on Git
 * tags instead. CodePipeline accepts these combinations in one push filter: tags, branches, or
 * branches plus file paths. Each list holds 1 to 8 glob patterns of at most 255 characters.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-filter.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GitPushFilter.html
 */
export interface ConnectionSourceOptions {
  /**
   * ARN of a connection that is already authorized (CloudFormation cannot complete the handshake
   * with the provider): `arn:aws:codeconnections:<region>:<account>:connection/<id>` or, for
   * connections created before July 2024, `arn:aws:codestar-connections:...`.
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html
   * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodeconnections.html
   */
  readonly connectionArn: string;

  /**
   * Start the pipeline on pushes. When false, the pipeline has no trigger and the source action
   * does not detect changes (`DetectChanges: false`): executions start only manually, and no
   * filter option may be given.
   * @default true
   */
  readonly triggerOnPush?: boolean;

  /**
   * Glob patterns of the branches whose pushes start the pipeline. An execution builds the commit
   * of the branch that was pushed to; `branch` stays the branch of manually started executions.
   * @default - only `branch`
   */
  readonly branchesIncludes?: string[];

  /**
   * Glob patterns of branches whose pushes never start the pipeline (they take priority over
   * `branchesIncludes`).
   * @default - no branch is excluded
   */
  readonly branchesExcludes?: string[];

  /**
   * Glob patterns of file paths: a push starts the pipeline only when it changes a matching file,
   * for example `['src/**', 'templates/**']`.
   * @default - a change to any file starts the pipeline
   */
  readonly filePathsIncludes?: string[];

  /**
   * Glob patterns of file paths whose changes alone never start the pipeline (they take priority
   * over `filePathsIncludes`), for example `['docs/**', 'README.md']`.
   * @default - no file path is excluded
   */
  readonly filePathsExcludes?: string[];

  /**
   * Glob patterns of Git tags whose push starts the pipeline, for example `['v*']`. With tags, the
   * pipeline starts on tag pushes only; CodePipeline does not combine tags with branch or file path
   * patterns in one push filter, so tags exclude the branch and file path options.
   * @default - tags do not start the pipeline
   */
  readonly tagsIncludes?: string[];

  /**
   * Glob patterns of Git tags whose push never starts the pipeline (they take priority over
   * `tagsIncludes`). Excludes the branch and file path options, like `tagsIncludes`.
   * @default - no tag is excluded
   */
  readonly tagsExcludes?: string[];

  /**
   * Hand the build a reference to clone the repository (`OutputArtifactFormat: CODEBUILD_CLONE_REF`)
   * instead of a ZIP of the commit, so the build sees the Git history. Only a CodeBuild action can
   * read such an artifact, so the pipeline must have a build; its role is allowed to use the
   * connection (`codestar-connections:UseConnection`, or `codeconnections:UseConnection` for a
   * `codeconnections` ARN).
   * @default false
   */
  readonly fullClone?: boolean;
}

/**
 * Options of an AWS CodeCommit source.
 */
export interface CodeCommitSourceOptions {
  /**
   * Hand the build a reference to clone the repository (`OutputArtifactFormat: CODEBUILD_CLONE_REF`)
   * instead of a ZIP of the commit, so the build sees the Git history. Only a CodeBuild action can
   * read such an artifact, so the pipeline must have a build; its role is allowed `codecommit:GitPull`
   * on the repository.
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeCommit.html
   * @default false
   */
  readonly fullClone?: boolean;
}

/** Namespace of the source action's output variables. */
const SOURCE_NAMESPACE = 'Source';

/**
 * Where the pipeline gets its source. The source action always runs in the pipeline's own region
 * (a CodePipeline rule: source actions cannot be cross-region).
 */
export abstract class PipelineSource {
  /**
   * A versioned Amazon S3 object. The pipeline starts when a new version of the object is written
   * (an EventBridge rule on S3's "Object Created" event; no polling).
   */
  public static s3(props: S3SourceProps): PipelineSource {
    return new S3Source(props);
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
    return new ConnectionSource(repository, branch, options);
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
    return new CodeCommitSource(repository, branch, options);
  }

  /**
   * Short description of the source, for the deployment plan.
   */
  public abstract readonly description: string;

  /**
   * Creates the source action writing `output`.
   * @internal
   */
  public abstract _bind(scope: Construct, output: codepipeline.Artifact): codepipeline.IAction;

  /**
   * Creates what starts the pipeline, before the pipeline itself exists (eagerly, so that resources
   * outside the pipeline construct are in place before synthesis).
   * @internal
   */
  public abstract _prepare(scope: Construct): void;

  /**
   * Points what starts the pipeline at the rendered pipeline and its source action.
   * @internal
   */
  public abstract _bindTrigger(pipeline: codepipeline.Pipeline, action: codepipeline.IAction): void;

  /**
   * Source variables handed to the build as environment variables (name to `#{Source.X}` expression).
   * @internal
   */
  public _buildVariables(): { [name: string]: string } {
    return {};
  }

  /**
   * Grants the build what it needs to read the source output (called only when the pipeline has a build).
   * @internal
   */
  public _bindBuild(_project: codebuild.IProject): void {
    return;
  }

  /**
   * The deployment plan's detail of the source row: the description and the source variables the build receives.
   * @internal
   */
  public _planDetail(): string {
    const names = Object.values(this._buildVariables())
      .map(expression => /^#\{[^.}]+\.([^}]+)\}$/.exec(expression)?.[1])
      .filter((name): name is string => name !== undefined);
    return names.length > 0 ? `${this.description} (${names.join(', ')})` : this.description;
  }
}

class S3Source extends PipelineSource {
  public readonly description: string;
  private trigger?: events.Rule;

  constructor(private readonly props: S3SourceProps) {
    super();
    if (!Token.isUnresolved(props.objectKey) && (props.objectKey.trim() === '' || props.objectKey.startsWith('/'))) {
      throw new Error(`PipelineSource.s3: objectKey '${props.objectKey}' is not a valid S3 object key; give the key of the source archive without a leading '/', for example 'source/app.zip'.`);
    }
    assertVersioned(props.bucket);
    this.description = `s3://${Token.isUnresolved(props.bucket.bucketName) ? props.bucket.node.path : props.bucket.bucketName}/${props.objectKey}`;
  }

  public _bind(scope: Construct, output: codepipeline.Artifact): codepipeline.IAction {
    const pipelineRegion = Stack.of(scope).region;
    const bucketRegion = this.props.bucket.env.region;
    if (!Token.isUnresolved(bucketRegion) && !Token.isUnresolved(pipelineRegion) && bucketRegion !== pipelineRegion) {
      throw new Error(`PipelineSource.s3: the source bucket ${this.props.bucket.node.path} is in ${bucketRegion}, but the pipeline is in ${pipelineRegion}; ` +
        'CodePipeline source actions run in the pipeline\'s region, so the source bucket must be there too.');
    }
    return new actions.S3SourceAction({
      actionName: 'Source',
      bucket: this.props.bucket,
      bucketKey: this.props.objectKey,
      output,
      // started by the EventBridge rule below, never by polling
      trigger: actions.S3Trigger.NONE,
      variablesNamespace: SOURCE_NAMESPACE,
    });
  }

  public _buildVariables(): { [name: string]: string } {
    // @see https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html
    return { SOURCE_VERSION_ID: `#{${SOURCE_NAMESPACE}.VersionId}`, SOURCE_ETAG: `#{${SOURCE_NAMESPACE}.ETag}` };
  }

  public _prepare(scope: Construct): void {
    if (this.trigger) {
      throw new Error('PipelineSource.s3(): this source is already used by another pipeline; create one source per pipeline.');
    }
    const bucket = this.props.bucket;
    if (bucket instanceof s3.Bucket) {
      bucket.enableEventBridgeNotification();
      suppressNotificationsHandler(Stack.of(bucket));
    } else {
      Annotations.of(scope).addInfo(`The pipeline starts on EventBridge "Object Created" events of bucket ${bucket.node.path}; make sure EventBridge notifications are turned on for that bucket.`);
    }
    // S3 sends "Object Created" to EventBridge directly (no CloudTrail trail needed).
    // @see https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-s3.html
    this.trigger = new events.Rule(scope, 'SourceTrigger', {
      description: `Starts the pipeline when a new version of ${this.props.objectKey} is written`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [bucket.bucketName] },
          object: { key: [this.props.objectKey] },
        },
      },
    });
  }

  public _bindTrigger(pipeline: codepipeline.Pipeline, _action: codepipeline.IAction): void {
    if (!this.trigger) {
      throw new Error('internal: source trigger bound before it was prepared');
    }
    this.trigger.addTarget(new targets.CodePipeline(pipeline));
  }
}

/**
 * Rejects a source bucket defined in this app without versioning (CodePipeline needs versions).
 */
function assertVersioned(bucket: s3.IBucket): void {
  const cfn = bucket.node.defaultChild;
  if (!(cfn instanceof s3.CfnBucket)) {
    return; // imported: not knowable at synth time
  }
  const versioning = Stack.of(cfn).resolve(cfn.versioningConfiguration);
  const status = versioning?.status;
  if (status === undefined || (!Token.isUnresolved(status) && status !== 'Enabled')) {
    throw new Error(`PipelineSource.s3: bucket ${bucket.node.path} is not versioned; CodePipeline's S3 source action needs a versioned bucket. ` +
      'Create it with `versioned: true`.');
  }
}

/**
 * aws-cdk-lib's singleton that turns on a bucket's EventBridge notifications.
 */
function suppressNotificationsHandler(stack: Stack): void {
  const role = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834')?.node.tryFindChild('Role');
  if (!role || (role.node.defaultChild as CfnResource | undefined)?.getMetadata('cdk_nag')) { return; }
  suppressNag(role, [{
    id: 'AwsSolutions-IAM4',
    reason: 'aws-cdk-lib\'s bucket-notifications handler uses AWSLambdaBasicExecutionRole for its own logs only; it turns on EventBridge notifications of the source bucket so the pipeline starts on events, not polling.',
    appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  }]);
}

/**
 * Connection ARNs. The service has two prefixes: `codestar-connections` and, for connections created
 * since July 2024 (and through the new API), `codeconnections`.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodeconnections.html
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodestarconnections.html
 * @see https://docs.aws.amazon.com/dtconsole/latest/userguide/security_iam_id-based-policy-examples-connections.html
 */
const CONNECTION_ARN_PATTERN = /^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[A-Za-z0-9-]+$/;

/**
 * `FullRepositoryId` of the CodeStarSourceConnection action: owner and name, for example `some-user/my-repo`.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html
 */
const FULL_REPOSITORY_ID_PATTERN = /^[^/\s]+\/[^/\s]+$/;

/**
 * Trigger filter limits: 1 to 8 patterns per includes/excludes list, each 1 to 255 characters.
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GitBranchFilterCriteria.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GitFilePathFilterCriteria.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GitTagFilterCriteria.html
 */
const MAX_FILTER_PATTERNS = 8;
const MAX_FILTER_PATTERN_LENGTH = 255;

/** Throws when a literal branch name is empty or holds whitespace (which Git does not allow in branch names). */
function validateBranch(branch: string, what: string): void {
  if (Token.isUnresolved(branch)) { return; }
  if (branch.trim() === '') {
    throw new Error(`${what}: the branch is empty; give the name of the branch to build, for example 'main'.`);
  }
  if (/\s/.test(branch)) {
    throw new Error(`${what}: branch '${branch}' contains whitespace, which Git branch names cannot; give the branch name, for example 'main'.`);
  }
}

/** Throws unless `patterns` (when given) holds 1 to 8 non-blank patterns of at most 255 characters. */
function validatePatterns(patterns: string[] | undefined, option: string, what: string): void {
  if (patterns === undefined || Token.isUnresolved(patterns)) { return; }
  if (patterns.length === 0 || patterns.length > MAX_FILTER_PATTERNS) {
    throw new Error(`${what}: ${option} holds ${patterns.length} patterns; a CodePipeline trigger filter list holds 1 to ${MAX_FILTER_PATTERNS} ` +
      '(omit the option to not filter on it).');
  }
  for (const pattern of patterns) {
    if (Token.isUnresolved(pattern)) { continue; }
    if (pattern.trim() === '' || pattern.length > MAX_FILTER_PATTERN_LENGTH) {
      throw new Error(`${what}: ${option} pattern '${pattern}' is not valid; each pattern is a glob of 1 to ${MAX_FILTER_PATTERN_LENGTH} characters, ` +
        'for example \'src/**\'.');
    }
  }
}

/** The name of a repository for messages: literal, or from its CloudFormation resource, or else its construct path. */
function repositoryNameOf(repository: codecommit.IRepository): string {
  if (!Token.isUnresolved(repository.repositoryName)) {
    return repository.repositoryName;
  }
  const cfn = repository.node.defaultChild;
  if (cfn instanceof codecommit.CfnRepository && !Token.isUnresolved(cfn.repositoryName)) {
    return cfn.repositoryName;
  }
  return repository.node.path;
}

/** A literal for descriptions, or a placeholder for an unresolved token. */
function literal(value: string, placeholder: string): string {
  return Token.isUnresolved(value) ? placeholder : value;
}

/**
 * IAM actions that allow using the connection, besides `codestar-connections:UseConnection` (which
 * aws-cdk-lib grants): in an IAM policy the service prefix must match the prefix of the resource's ARN.
 * @see https://docs.aws.amazon.com/dtconsole/latest/userguide/security_iam_id-based-policy-examples-connections.html
 */
function extraUseConnectionActions(connectionArn: string): string[] {
  if (Token.isUnresolved(connectionArn) || Arn.split(connectionArn, ArnFormat.SLASH_RESOURCE_NAME).service === 'codeconnections') {
    return ['codeconnections:UseConnection'];
  }
  return [];
}

/** The aws-cdk-lib action, plus `codeconnections:UseConnection` on the action role for a `codeconnections` ARN. */
class ConnectionSourceAction extends actions.CodeStarConnectionsSourceAction {
  constructor(private readonly connectionProps: actions.CodeStarConnectionsSourceActionProps) {
    super(connectionProps);
  }

  protected bound(scope: Construct, stage: codepipeline.IStage, options: codepipeline.ActionBindOptions): codepipeline.ActionConfig {
    const config = super.bound(scope, stage, options);
    const extra = extraUseConnectionActions(this.connectionProps.connectionArn);
    if (extra.length > 0) {
      options.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: extra, resources: [this.connectionProps.connectionArn] }));
    }
    return config;
  }
}

/** Shared by the Git sources: one pipeline per source, and a build for a full clone. */
abstract class GitSource extends PipelineSource {
  private prepared = false;
  private buildBound = false;

  constructor(protected readonly factory: string, protected readonly fullClone: boolean) {
    super();
  }

  public _prepare(scope: Construct): void {
    if (this.prepared) {
      throw new Error(`${this.factory}: this source is already used by another pipeline; create one source per pipeline.`);
    }
    this.prepared = true;
    this.validateRegion(Stack.of(scope).region);
    scope.node.addValidation({
      validate: () => this.fullClone && !this.buildBound
        ? [`${this.factory}: fullClone hands on a clone reference (CODEBUILD_CLONE_REF) that only a CodeBuild action can read, but the pipeline has no build; ` +
          'add `buildStep: PipelineBuild.codeBuild(...)` or remove `fullClone`.']
        : [],
    });
  }

  public _bindBuild(project: codebuild.IProject): void {
    this.buildBound = true;
    if (this.fullClone) {
      this.grantClone(project);
    }
  }

  /** Throws when the source cannot be used from a pipeline in `pipelineRegion`. */
  protected validateRegion(_pipelineRegion: string): void {
    return;
  }

  /** Grants the build role what a full clone needs beyond what aws-cdk-lib's CodeBuildAction grants. */
  protected grantClone(_project: codebuild.IProject): void {
    return;
  }
}

class ConnectionSource extends GitSource {
  public readonly description: string;
  private readonly pushFilter?: codepipeline.GitPushFilter;

  constructor(private readonly repository: string, private readonly branch: string, private readonly options: ConnectionSourceOptions) {
    super('PipelineSource.connection', options.fullClone ?? false);
    const what = this.factory;
    if (!Token.isUnresolved(repository) && !FULL_REPOSITORY_ID_PATTERN.test(repository)) {
      throw new Error(`${what}: repository '${repository}' is not of the form 'owner/repo'; give the owner (user, organization or workspace) ` +
        'and the repository name separated by one \'/\', for example \'my-org/my-service\'.');
    }
    validateBranch(branch, what);
    const arn = options.connectionArn;
    if (!Token.isUnresolved(arn) && !CONNECTION_ARN_PATTERN.test(arn)) {
      throw new Error(`${what}: connectionArn '${arn}' is not a connection ARN; expected arn:aws:codeconnections:<region>:<account>:connection/<id> ` +
        'or arn:aws:codestar-connections:<region>:<account>:connection/<id> (copy it from the Developer Tools console, Settings > Connections).');
    }
    const filters: { [option: string]: string[] | undefined } = {
      branchesIncludes: options.branchesIncludes,
      branchesExcludes: options.branchesExcludes,
      filePathsIncludes: options.filePathsIncludes,
      filePathsExcludes: options.filePathsExcludes,
      tagsIncludes: options.tagsIncludes,
      tagsExcludes: options.tagsExcludes,
    };
    for (const [option, patterns] of Object.entries(filters)) {
      validatePatterns(patterns, option, what);
    }
    const given = Object.keys(filters).filter(option => filters[option] !== undefined);
    if (options.triggerOnPush === false && given.length > 0) {
      throw new Error(`${what}: triggerOnPush is false, so no push starts the pipeline, but ${given.join(', ')} filter pushes; ` +
        'remove the filters or set triggerOnPush to true.');
    }
    const tags = given.filter(option => option.startsWith('tags'));
    const others = given.filter(option => !option.startsWith('tags'));
    if (tags.length > 0 && others.length > 0) {
      throw new Error(`${what}: ${tags.join(', ')} cannot be combined with ${others.join(', ')}; a CodePipeline push filter ` +
        'holds tags, branches, or branches plus file paths. Start on tags only, or on branches (and file paths) only.');
    }
    if (options.triggerOnPush !== false) {
      this.pushFilter = tags.length > 0
        ? { tagsIncludes: options.tagsIncludes, tagsExcludes: options.tagsExcludes }
        : {
          branchesIncludes: options.branchesIncludes ?? [branch],
          branchesExcludes: options.branchesExcludes,
          filePathsIncludes: options.filePathsIncludes,
          filePathsExcludes: options.filePathsExcludes,
        };
    }
    this.description = `connection ${literal(repository, 'repository')}@${literal(branch, 'branch')}`;
  }

  public _bind(_scope: Construct, output: codepipeline.Artifact): codepipeline.IAction {
    const [owner, repo] = Token.isUnresolved(this.repository)
      ? [Fn.select(0, Fn.split('/', this.repository)), Fn.select(1, Fn.split('/', this.repository))]
      : this.repository.split('/');
    return new ConnectionSourceAction({
      actionName: 'Source',
      connectionArn: this.options.connectionArn,
      owner,
      repo,
      branch: this.branch,
      output,
      codeBuildCloneOutput: this.fullClone,
      // with a trigger, the trigger alone starts the pipeline ("When a trigger configuration is specified,
      // default change detection for repository and branch commits is disabled.")
      // @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineTriggerDeclaration.html
      triggerOnPush: this.options.triggerOnPush === false ? false : undefined,
      variablesNamespace: SOURCE_NAMESPACE,
    });
  }

  public _bindTrigger(pipeline: codepipeline.Pipeline, action: codepipeline.IAction): void {
    if (!this.pushFilter) {
      return;
    }
    // one trigger per source action, with 1 to 3 push filters; we render exactly one
    // @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GitConfiguration.html
    pipeline.addTrigger({
      providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
      gitConfiguration: { sourceAction: action, pushFilter: [this.pushFilter] },
    });
  }

  public _buildVariables(): { [name: string]: string } {
    // output variables of the CodeStarSourceConnection action (CommitMessage is left out: a multi-line
    // message does not belong in an environment variable)
    // @see https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html
    return {
      SOURCE_COMMIT_ID: `#{${SOURCE_NAMESPACE}.CommitId}`,
      SOURCE_BRANCH_NAME: `#{${SOURCE_NAMESPACE}.BranchName}`,
      SOURCE_AUTHOR_DATE: `#{${SOURCE_NAMESPACE}.AuthorDate}`,
      SOURCE_REPOSITORY_NAME: `#{${SOURCE_NAMESPACE}.FullRepositoryName}`,
    };
  }

  protected grantClone(project: codebuild.IProject): void {
    // aws-cdk-lib's CodeBuildAction grants codestar-connections:UseConnection for a clone reference;
    // the build role also needs the codeconnections action for a codeconnections ARN ("the service prefix
    // needs to match that of the resource")
    // @see https://docs.aws.amazon.com/dtconsole/latest/userguide/security_iam_id-based-policy-examples-connections.html
    const extra = extraUseConnectionActions(this.options.connectionArn);
    if (extra.length > 0) {
      project.addToRolePolicy(new iam.PolicyStatement({ actions: extra, resources: [this.options.connectionArn] }));
    }
  }
}

class CodeCommitSource extends GitSource {
  public readonly description: string;

  constructor(private readonly repository: codecommit.IRepository, private readonly branch: string, options: CodeCommitSourceOptions) {
    super('PipelineSource.codeCommit', options.fullClone ?? false);
    validateBranch(branch, this.factory);
    this.description = `codecommit ${repositoryNameOf(repository)}@${literal(branch, 'branch')}`;
  }

  public _bind(scope: Construct, output: codepipeline.Artifact): codepipeline.IAction {
    this.validateRegion(Stack.of(scope).region);
    return new actions.CodeCommitSourceAction({
      actionName: 'Source',
      repository: this.repository,
      branch: this.branch,
      output,
      // an EventBridge rule on the branch's referenceCreated/referenceUpdated events; never polling
      // @see https://docs.aws.amazon.com/codepipeline/latest/userguide/triggering.html
      trigger: actions.CodeCommitTrigger.EVENTS,
      codeBuildCloneOutput: this.fullClone,
      variablesNamespace: SOURCE_NAMESPACE,
    });
  }

  public _bindTrigger(_pipeline: codepipeline.Pipeline, _action: codepipeline.IAction): void {
    return; // the action's EventBridge rule targets the pipeline
  }

  public _buildVariables(): { [name: string]: string } {
    // output variables of the CodeCommit action (CommitMessage left out, as for connections)
    // @see https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html
    return {
      SOURCE_COMMIT_ID: `#{${SOURCE_NAMESPACE}.CommitId}`,
      SOURCE_BRANCH_NAME: `#{${SOURCE_NAMESPACE}.BranchName}`,
      SOURCE_AUTHOR_DATE: `#{${SOURCE_NAMESPACE}.AuthorDate}`,
      SOURCE_COMMITTER_DATE: `#{${SOURCE_NAMESPACE}.CommitterDate}`,
      SOURCE_REPOSITORY_NAME: `#{${SOURCE_NAMESPACE}.RepositoryName}`,
    };
  }

  protected validateRegion(pipelineRegion: string): void {
    const repositoryRegion = this.repository.env.region;
    if (!Token.isUnresolved(repositoryRegion) && !Token.isUnresolved(pipelineRegion) && repositoryRegion !== pipelineRegion) {
      throw new Error(`${this.factory}: repository ${repositoryNameOf(this.repository)} is in ${repositoryRegion}, ` +
        `but the pipeline is in ${pipelineRegion}; CodePipeline source actions run in the pipeline's region, so the repository must be there too.`);
    }
  }
}

import { Arn, ArnFormat, Fn, Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { GIT_VARIABLES, GitSource, literal, validateBranch } from './git-source';
import { SOURCE_NAMESPACE, sourceVariables } from '../private/protocol';
import { offers, regionsOffering } from '../private/region-services';

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

/**
 * A repository reached through a CodeConnections connection, started by a pipeline trigger.
 * @internal
 */
export class ConnectionSource extends GitSource {
  public readonly description: string;
  public readonly variables = sourceVariables({ ...GIT_VARIABLES, SOURCE_REPOSITORY_NAME: 'FullRepositoryName' });
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

  /**
   * The source action runs in the pipeline's region, where CodeConnections must be offered: the SDK's
   * endpoint data lists it in 17 of the 34 commercial regions (src/private/region-services.ts).
   */
  protected validateRegion(pipelineRegion: string): void {
    if (offers('codestar-connections', pipelineRegion) === false) {
      throw new Error(`${this.factory}: the pipeline is in ${pipelineRegion}, where AWS CodeConnections is not offered, so its source action ` +
        `cannot use a connection there. Put the pipeline in one of ${regionsOffering('codestar-connections').join(', ')}.`);
    }
  }

  protected sourceAction(actionName: string, output: codepipeline.Artifact): codepipeline.IAction {
    const [owner, repo] = Token.isUnresolved(this.repository)
      ? [Fn.select(0, Fn.split('/', this.repository)), Fn.select(1, Fn.split('/', this.repository))]
      : this.repository.split('/');
    return new ConnectionSourceAction({
      actionName,
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

  protected bindTrigger(pipeline: codepipeline.Pipeline, action: codepipeline.IAction): void {
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


import { Token } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import { GIT_VARIABLES, GitSource, literal, validateBranch } from './git-source';
import { validationError } from '../private/errors';
import { SOURCE_NAMESPACE, sourceVariables } from '../private/protocol';

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

/**
 * A branch of a CodeCommit repository, started by the repository's EventBridge events.
 * @internal
 */
export class CodeCommitSource extends GitSource {
  public readonly description: string;
  public readonly variables = sourceVariables({ ...GIT_VARIABLES, SOURCE_COMMITTER_DATE: 'CommitterDate', SOURCE_REPOSITORY_NAME: 'RepositoryName' });

  constructor(private readonly repository: codecommit.IRepository, private readonly branch: string, options: CodeCommitSourceOptions) {
    super('PipelineSource.codeCommit', options.fullClone ?? false);
    validateBranch(branch, this.factory);
    this.description = `codecommit ${repositoryNameOf(repository)}@${literal(branch, 'branch')}`;
  }

  protected sourceAction(actionName: string, output: codepipeline.Artifact): codepipeline.IAction {
    return new actions.CodeCommitSourceAction({
      actionName,
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

  protected validateRegion(pipelineRegion: string): void {
    const repositoryRegion = this.repository.env.region;
    if (!Token.isUnresolved(repositoryRegion) && !Token.isUnresolved(pipelineRegion) && repositoryRegion !== pipelineRegion) {
      throw validationError(`${this.factory}: repository ${repositoryNameOf(this.repository)} is in ${repositoryRegion}, ` +
        `but the pipeline is in ${pipelineRegion}; CodePipeline source actions run in the pipeline's region, so the repository must be there too.`, this.repository);
    }
  }
}

import { Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import { BindContext, PluginBinding, SourceKind } from '../private/protocol';

/** Throws when a literal branch name is empty or holds whitespace (which Git does not allow in branch names). */
export function validateBranch(branch: string, what: string): void {
  if (Token.isUnresolved(branch)) { return; }
  if (branch.trim() === '') {
    throw new Error(`${what}: the branch is empty; give the name of the branch to build, for example 'main'.`);
  }
  if (/\s/.test(branch)) {
    throw new Error(`${what}: branch '${branch}' contains whitespace, which Git branch names cannot; give the branch name, for example 'main'.`);
  }
}

/** A literal for descriptions, or a placeholder for an unresolved token. */
export function literal(value: string, placeholder: string): string {
  return Token.isUnresolved(value) ? placeholder : value;
}

/**
 * Output variables every Git source action has, as build variables. CommitMessage is left out: a
 * multi-line message does not belong in an environment variable.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html
 */
export const GIT_VARIABLES = { SOURCE_COMMIT_ID: 'CommitId', SOURCE_BRANCH_NAME: 'BranchName', SOURCE_AUTHOR_DATE: 'AuthorDate' };

/**
 * What the Git sources share: one pipeline per source, a build for a full clone, and the source
 * action in the pipeline's region.
 */
export abstract class GitSource implements SourceKind {
  public abstract readonly description: string;
  public abstract readonly variables: { [name: string]: string };

  constructor(protected readonly factory: string, protected readonly fullClone: boolean) {}

  public _bind(context: BindContext): PluginBinding {
    if (this.fullClone && !context.artifacts.build) {
      throw new Error(`${this.factory}: fullClone hands on a clone reference (CODEBUILD_CLONE_REF) that only a CodeBuild action can read, but the pipeline has no build; ` +
        'add `buildStep: PipelineBuild.codeBuild(...)` or remove `fullClone`.');
    }
    this.validateRegion(context.homeRegion);
    const sourceActions = context.steps.map(named => this.sourceAction(named.actionName, context.artifacts.source));
    sourceActions.forEach(action => this.bindTrigger(context.pipeline, action));
    return { actions: sourceActions };
  }

  public grantRead(project: codebuild.IProject): void {
    if (this.fullClone) {
      this.grantClone(project);
    }
  }

  /** The source action, writing `output`. */
  protected abstract sourceAction(actionName: string, output: codepipeline.Artifact): codepipeline.IAction;

  /** Points what starts the pipeline at the source action. */
  protected bindTrigger(_pipeline: codepipeline.Pipeline, _action: codepipeline.IAction): void {
    return;
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

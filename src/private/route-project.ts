import { createHash } from 'crypto';
import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import { Construct, IConstruct } from 'constructs';
import { validationError } from './errors';
import { explainProjectWithoutKey } from './nag';
import { BindContext } from './protocol';

/*
 * What the two CodeBuild routes to regions without CodePipeline share (private/codebuild-route.ts
 * for CloudFormation targets, private/codedeploy-route.ts for EC2/on-premises CodeDeploy targets):
 * one project per pipeline and route kind, in the pipeline's `Targets` construct, that holds every
 * routed target's values as variables prefixed by the target's route ID; each action passes only
 * `ROUTE` (that ID) and what varies per step, and the script selects the target's values by it.
 * The two kinds keep two projects because their scripts differ (and a build's buildspec is the
 * project's): one project per kind keeps each buildspec to one script. CodeBuild's quotas page lists
 * no limit on the number of a project's variables (only their length is limited, below).
 * @see https://docs.aws.amazon.com/codebuild/latest/userguide/limits.html
 */

/**
 * The most characters a project variable may hold, its name included. CodeBuild's API reference
 * gives no length for a variable's value, but CodeBuild has rejected longer ones with
 * "EnvironmentVariable should be at most 4096 characters" (reported for StartBuild's overrides); the
 * routes keep every variable within it (counting the name too), so that CodeBuild cannot refuse it.
 * @see https://docs.aws.amazon.com/codebuild/latest/APIReference/API_EnvironmentVariable.html
 * @see https://github.com/wolfeidau/buildkite-serverless-agent/issues/35
 */
export const ROUTE_VARIABLE_MAX_CHARS = 4096;

/**
 * A route ID: `R` and 8 hex digits of a digest of what identifies the target within its route
 * (its region and stack, or its region, application and group), so that adding, removing or
 * reordering targets changes no other target's variables.
 */
export function routeIdOf(key: string): string {
  return `R${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/**
 * The start of a route's script (bash): refuses a `ROUTE` that is not a target of this project
 * (exit 2, naming it), then sets each of `names` to the target's `<ROUTE>_<name>` variable.
 */
export function selectRoute(names: string[]): string {
  return `if ! [[ "\${ROUTE:-}" =~ ^R[0-9a-f]{8}$ ]] || ! printenv "\${ROUTE}_${names[0]}" > /dev/null; then
  echo "internal: ROUTE must name a target of this project (R and 8 hex digits, with its \${ROUTE:-<ROUTE>}_${names[0]} variable), got '\${ROUTE:-}'" >&2
  exit 2
fi
${names.map(name => `${name}="$(printenv "\${ROUTE}_${name}")"`).join('\n')}
`;
}

/** How a route's project is made. */
export interface RouteProjectOptions {
  readonly description: string;
  /** The build's one command (bash). */
  readonly script: string;
  /** How long one build may take (CodeBuild allows 5 to 2,160 minutes). */
  readonly timeout: Duration;
  /** Completes the cdk-nag explanation of a project without a key: `<what> ... the store`. */
  readonly readsFrom: string;
}

/**
 * A route project of one pipeline (`<Targets>/<id>/Project`); subclasses add each target's
 * variables (`setVariable`) and grants.
 */
export abstract class RouteProject extends Construct {
  /** The route construct of `id` in the pipeline's `Targets` construct (the parent of every target's scope), if any. */
  protected static find(context: BindContext, id: string): { readonly targets: Construct; readonly existing?: IConstruct } {
    const targets = context.scope.node.scope;
    if (!targets) { throw new Error(`internal: the target scope ${context.scope.node.path} has no parent`); }
    return { targets: targets as Construct, existing: targets.node.tryFindChild(id) };
  }

  public readonly project: codebuild.PipelineProject;
  private readonly variables: { [name: string]: string } = {};

  protected constructor(scope: Construct, id: string, protected readonly context: BindContext, options: RouteProjectOptions) {
    super(scope, id);
    this.project = this.createProject(options);
  }

  /**
   * Sets a variable of the project, refusing (with `tooLong(length, exact)` as the message) one
   * longer than ROUTE_VARIABLE_MAX_CHARS with its name; `exact` is false when the value holds
   * references, whose resolved length is unknown here (then only its literal parts are counted).
   */
  protected setVariable(name: string, value: string, tooLong: (length: number, exact: boolean) => string): void {
    const { chars, exact } = literalLength(this.project, value);
    if (name.length + chars > ROUTE_VARIABLE_MAX_CHARS) {
      throw validationError(tooLong(name.length + chars, exact), this);
    }
    this.variables[name] = value;
  }

  /**
   * The project: CodeBuild's standard image (AWS CLI v2, bash), the script as the build's one
   * command, run by bash (`env.shell`), in the pipeline's region. Its variables are rendered when
   * the template is (every routed target has been added by then), sorted by name.
   * @see https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html
   */
  private createProject(options: RouteProjectOptions): codebuild.PipelineProject {
    const encryptionKey = this.context.stores.key(this.context.homeRegion);
    const project = new codebuild.PipelineProject(this, 'Project', {
      // its buildspec has no `reports` section, so it creates no test report group: no report-group permissions
      // @see https://docs.aws.amazon.com/codebuild/latest/userguide/test-report-group-naming.html
      grantReportGroupPermissions: false,
      description: options.description,
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        env: { shell: 'bash' },
        phases: { build: { commands: [options.script] } },
      }),
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
      timeout: options.timeout,
      encryptionKey,
    });
    const cfn = project.node.defaultChild as codebuild.CfnProject;
    const environment = cfn.environment as codebuild.CfnProject.EnvironmentProperty;
    cfn.environment = {
      ...environment,
      environmentVariables: Lazy.any({
        produce: () => Object.keys(this.variables).sort().map(name => ({ name, type: 'PLAINTEXT', value: this.variables[name] })),
      }, { omitEmptyArray: true }),
    };
    if (!encryptionKey) {
      explainProjectWithoutKey(project, options.readsFrom);
    }
    return project;
  }
}

/**
 * The characters of `value` once resolved, and whether that is all of it: the resolved length of a
 * reference (`Ref`, `Fn::GetAtt`, an import) is unknown here, so only the literal parts are counted.
 */
function literalLength(scope: IConstruct, value: string): { readonly chars: number; readonly exact: boolean } {
  if (!Token.isUnresolved(value)) { return { chars: value.length, exact: true }; }
  let exact = true;
  const literal = (v: unknown): number => {
    if (typeof v === 'string') { return v.length; }
    if (Array.isArray(v)) { return v.reduce<number>((n, x) => n + literal(x), 0); }
    if (v && typeof v === 'object' && 'Fn::Join' in v) {
      const [separator, parts] = (v as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      return literal(parts) + separator.length * Math.max(0, parts.length - 1);
    }
    exact = false;
    return 0;
  };
  const chars = literal(Stack.of(scope).resolve(value));
  return { chars, exact };
}

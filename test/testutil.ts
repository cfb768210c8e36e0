import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, CfnWaitConditionHandle, Fn, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import {
  MultiRegionDeliveryPipeline, MultiRegionDeliveryPipelineProps, PipelineBuild, PipelineSource, RegionTarget,
} from '../src';
import { changeSetScript } from '../src/private/change-set-script';

export const ACCOUNT = '111111111111';
export const HOME_REGION = 'us-west-2';

/** An app with fixed context (no creation stack traces, so templates are stable). */
export function testApp(): App {
  return new App({
    context: {
      'aws:cdk:disable-creation-stack-traces': true,
      // as in a new app (`cdk init`): Auto Scaling groups of test fleets use launch templates, since
      // launch configurations are not available to new accounts
      '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig': true,
    },
  });
}

/**
 * Runs `fn` without recording the templates it synthesizes for the checks of every recorded template
 * (test/setup/record-templates.ts): for a test of a rejected input whose fixture must be invalid, such
 * as a stack without resources. `reason` says why, for the reader.
 */
export function withoutTemplateChecks<T>(reason: string, fn: () => T): T {
  if (!reason) { throw new Error('withoutTemplateChecks: say why the templates are invalid'); }
  const key = Symbol.for('mrdp.templateChecks.unchecked');
  const g = globalThis as any;
  g[key] = (g[key] ?? 0) + 1;
  try {
    return fn();
  } finally {
    g[key] -= 1;
  }
}

/** `stack`, given one resource (CloudFormation refuses a template without resources). */
export function withResource<T extends Stack>(stack: T): T {
  new CfnWaitConditionHandle(stack, 'Handle');
  return stack;
}

/**
 * A stack for a test fleet's VPC whose availability zones are chosen at deploy time (the first two of
 * its region), so that its template names no zone (no `dummy1a`) and synthesis needs no lookup.
 */
export class FleetStack extends Stack {
  public get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())];
  }
}

/** A stack in the pipeline's fixed environment. */
export function pipelineStack(app: App = testApp(), id = 'PipelineStack'): Stack {
  return new Stack(app, id, { env: { account: ACCOUNT, region: HOME_REGION } });
}

/** A versioned source bucket in `stack`. */
export function sourceBucket(stack: Stack, id = 'SourceBucket'): s3.Bucket {
  return new s3.Bucket(stack, id, { versioned: true, enforceSSL: true });
}

/** A CloudFormation target with defaults. */
export function cfnTarget(region: string, stackName = 'service-x', extra: Partial<Parameters<typeof RegionTarget.cloudFormation>[0]> = {}): RegionTarget {
  return RegionTarget.cloudFormation({ region, stackName, templatePath: `${region}.template.yaml`, ...extra });
}

export interface Fixture {
  readonly app: App;
  readonly stack: Stack;
  readonly pipeline: MultiRegionDeliveryPipeline;
}

/** A pipeline in us-west-2 with an S3 source, a CodeBuild build, and CloudFormation targets in `regions`. */
export function fixture(regions: string[] = ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
  props: Partial<MultiRegionDeliveryPipelineProps> = {}): Fixture {
  const app = testApp();
  const stack = pipelineStack(app);
  const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
    buildStep: PipelineBuild.codeBuild(),
    targets: regions.map(r => cfnTarget(r)),
    ...props,
  });
  return { app, stack, pipeline };
}

/** The template of the pipeline's stack. */
export function pipelineTemplate(f: Fixture): Template {
  return Template.fromStack(f.stack);
}

/** The template of a synthesized stack of the app, by stack name. */
export function templateOf(app: App, stackName: string): Template {
  const assembly = app.synth();
  return Template.fromJSON(assembly.getStackByName(stackName).template);
}

/**
 * A CloudFormation string value (possibly an `Fn::Join` of literals and `Ref`s) as plain text,
 * with `{ Ref: X }` written as `${X}`.
 */
export function flatten(value: any): string {
  if (typeof value === 'string') { return value; }
  if (value && value['Fn::Join']) {
    const [sep, parts] = value['Fn::Join'];
    return parts.map(flatten).join(sep);
  }
  if (value && value.Ref) { return `\${${value.Ref}}`; }
  return JSON.stringify(value);
}

/** The build's environment variables by name: the project's, and the build action's on top. */
export function buildVariables(template: Template): { [name: string]: string } {
  const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
  const build = pipeline.Properties.Stages.find((s: any) => s.Name === 'Build').Actions[0];
  const project = template.findResources('AWS::CodeBuild::Project')[build.Configuration.ProjectName.Ref];
  const onProject = (project.Properties.Environment.EnvironmentVariables ?? []).map((v: any) => [v.Name, flatten(v.Value)]);
  const onAction = JSON.parse(flatten(build.Configuration.EnvironmentVariables)).map((v: any) => [v.name, v.value]);
  return Object.fromEntries([...onProject, ...onAction]);
}

/**
 * The actions that `statements` allow on `resource` (a literal ARN, or a predicate over the rendered
 * resource), whatever way the policy is minimized (merged by actions or by resources).
 */
export function actionsAllowedOn(statements: any[], resource: string | ((rendered: string) => boolean)): string[] {
  const matches = typeof resource === 'string' ? (r: string) => r === JSON.stringify(resource) : resource;
  return statements
    .filter(s => s.Effect === 'Allow' && ([] as any[]).concat(s.Resource).some(r => matches(JSON.stringify(r))))
    .flatMap(s => ([] as string[]).concat(s.Action))
    .sort();
}

/**
 * Every IAM statement granted to the roles whose logical IDs match `rolePattern` (all roles when
 * omitted): those of `AWS::IAM::Policy` resources attached to them and those inline in the roles
 * (`Policies`, where the construct's own roles keep their grants).
 */
export function roleStatements(template: Template, rolePattern: RegExp = /./): any[] {
  const roles = template.findResources('AWS::IAM::Role');
  const ids = Object.keys(roles).filter(id => rolePattern.test(id));
  const attached = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => (p.Properties.Roles ?? []).some((r: any) => ids.includes(r.Ref)))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  const inline = ids.flatMap(id => (roles[id].Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement));
  return [...inline, ...attached];
}

/** Every IAM policy document of the template: policies, managed policies and roles' inline policies. */
export function policyDocuments(template: Template): any[] {
  return [
    ...Object.values(template.findResources('AWS::IAM::Policy')).map((p: any) => p.Properties.PolicyDocument),
    ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')).map((p: any) => p.Properties.PolicyDocument),
    ...Object.values(template.findResources('AWS::IAM::Role')).flatMap((r: any) => (r.Properties.Policies ?? []).map((p: any) => p.PolicyDocument)),
  ];
}

/**
 * What cfn-lint reports for `templates` (by stack name), with the repository's `.cfnlintrc.yaml`: empty
 * when they are clean. cfn-lint comes with the test requirements (see README, Requirements).
 */
export function cfnLint(templates: { [stackName: string]: unknown }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-'));
  try {
    const files = Object.entries(templates).map(([name, template]) => {
      const file = path.join(dir, `${name}.template.json`);
      fs.writeFileSync(file, JSON.stringify(template));
      return file;
    });
    return execFileSync('cfn-lint', ['--config-file', path.join(__dirname, '..', '.cfnlintrc.yaml'), '--', ...files], { encoding: 'utf-8' });
  } catch (e: any) {
    // findings exit non-zero: return them, so that the test shows them
    if (e.stdout === undefined) { throw e; }
    return String(e.stdout) + String(e.stderr ?? '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * cdk-nag AwsSolutions errors and warnings in the app's stacks after synthesis, as
 * `<stack> <rule>: <first line>`; the fixtures' source buckets (`SourceBucket`, the user's) are exempt
 * from S1 (server access logs).
 */
export function nagFindings(app: App): string[] {
  const stacks = app.node.children.filter(c => c instanceof Stack) as Stack[];
  for (const stack of stacks) {
    const bucket = stack.node.tryFindChild('SourceBucket');
    if (bucket) {
      NagSuppressions.addResourceSuppressions(bucket, [{ id: 'AwsSolutions-S1', reason: 'Test fixture: the user\'s source bucket.' }]);
    }
  }
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  // aws-cdk-lib synthesizes an app once (Template.fromStack, app.synth()) and then returns that
  // assembly: aspects added afterwards never run, and cdk-nag would find nothing without checking
  let visited = false;
  Aspects.of(app).add({ visit: () => { visited = true; } });
  app.synth();
  if (!visited) {
    throw new Error('nagFindings: the app was synthesized before, so cdk-nag did not run; call nagFindings before Template.fromStack or app.synth()');
  }
  return stacks.flatMap(stack => {
    const annotations = Annotations.fromStack(stack);
    return [...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))]
      .map(f => `${stack.stackName} ${f.id}: ${String(f.entry.data).split('\n')[0]}`);
  });
}

/** A run of the CodeBuild route's script (src/private/change-set-script.ts). */
export interface RouteScriptRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every CLI call, as its arguments after `cloudformation --region <region>` (or `s3 ...`). */
  readonly calls: string[][];
  readonly state: any;
}

/**
 * Runs the route's script with bash and `env` (the project's and the action's variables), against a
 * stand-in for the AWS CLI (test/fake-aws.js) that keeps a stack and its change sets in `state`;
 * the build's source directory holds `app.template.yaml` with `template`.
 */
export function runRouteScript(env: { [name: string]: string }, state: object, template = 'Resources: {}\n'): RouteScriptRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'route-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'aws'), `#!/bin/sh\nexec node ${JSON.stringify(path.join(__dirname, 'fake-aws.js'))} "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'sleep'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'app.template.yaml'), template);
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ changeSets: {}, executeResult: 'UPDATE_COMPLETE', ...state }));
  fs.writeFileSync(path.join(dir, 'log'), '');
  const result = spawnSync('bash', ['-c', changeSetScript()], {
    encoding: 'utf-8',
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_AWS_STATE: path.join(dir, 'state.json'),
      FAKE_AWS_LOG: path.join(dir, 'log'),
      CODEBUILD_SRC_DIR: dir,
      ...env,
    },
  });
  const calls = fs.readFileSync(path.join(dir, 'log'), 'utf-8').trim().split('\n').filter(l => l).map(l => JSON.parse(l))
    .map((args: string[]) => args[0] === 'cloudformation' ? args.slice(3) : args);
  const out = { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, calls, state: JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf-8')) };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

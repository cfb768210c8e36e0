/**
 * Benchmark: this library's pipeline against a CDK Pipelines equivalent, for 3, 10, 20 and 33 target
 * regions. Run with `npx projen bench`. The home region is us-west-2; up to 28 regions the targets are
 * regions where CodePipeline is offered (both pipelines work there), and 33 is every commercial region
 * but the home region, five of them without CodePipeline (see `REGIONS`). A separate table shows what
 * one region without CodePipeline adds to the smallest size.
 *
 * Both deliver one small CloudFormation stack per region from an S3 source through one build:
 * - mrdp:          MultiRegionDeliveryPipeline, S3 source, CodeBuild build, one CloudFormation
 *                  target per region, all in one wave (its default layout);
 * - mrdp-regional: the same with `topology: DeliveryTopology.regionalPipelines()` (a home pipeline
 *                  that publishes the release, a pipeline in every target region);
 * - cdk-pipelines: pipelines.CodePipeline, S3 source, ShellStep synth, one wave with one Stage per
 *                  region holding one stack (an SSM parameter).
 * - cdk-pipelines-regional: the like-for-like of mrdp-regional built with CDK Pipelines: one
 *                  pipelines.CodePipeline in every target region (in a stack of that region, with
 *                  its own versioned S3 source bucket there, ShellStep synth) deploying that region's
 *                  stack. CDK Pipelines has no way to hand one build to the regions, so each pipeline
 *                  builds for itself. Its "pipeline template" is the first region's pipeline stack.
 *
 * Columns: synth CPU time (median of several runs, with and without construct validation),
 * pipeline-stack template bytes per region and pipeline-role policy characters per region (growth
 * from 1 to N regions, divided by N-1), stacks and resources in the assembly, pipeline stages,
 * critical path (sum over stages of their distinct run orders), quota violations, and cfn-lint errors
 * in the pipeline stack's template. This is not a test: numbers depend on the machine.
 *
 * CPU time is `process.cpuUsage()` (user + system) of building and synthesizing the app, in this one
 * process for both pipelines: after a warm-up synthesis of each, the runs alternate between the two
 * (which goes first alternates too), and the median of each is reported.
 *
 * Goals (issue #19): at 3 and 33 regions, synth CPU at most 0.8x CDK Pipelines' (with one pipeline and
 * with regional pipelines), the pipeline template at 3 regions no larger than CDK Pipelines', and no
 * more resources per region (growth from 1 to N regions) than CDK Pipelines. `--check` (or BENCH_CHECK=true) exits 1 when one is missed; timings
 * are noisy on a shared machine, so CI does not run it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage, StageProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { DeliveryTopology, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget } from '../src';
import { offers } from '../src/private/region-services';

const ACCOUNT = '111111111111';
const HOME = 'us-west-2';
const SIZES = (process.env.BENCH_SIZES ?? '3,10,20,33').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CHECK = process.argv.includes('--check') || process.env.BENCH_CHECK === 'true';
/** The goals of issue #19: ratios to CDK Pipelines, at the sizes they apply to. */
const GOALS = {
  cpu: { max: 0.8, sizes: [3, 33] },
  templateBytes: { max: 1.0, sizes: [3] },
  resourcesPerRegion: { max: 1.0, sizes: [3, 10, 20, 33] },
};
const COMMERCIAL = RegionInfo.regions
  .filter(r => r.partition === 'aws' && r.name !== HOME && !r.name.startsWith('us-gov'))
  .map(r => r.name);
/**
 * The regions both pipelines can deliver to come first (alphabetical): those where CodePipeline is
 * offered, the only regions where it runs cross-region actions
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-create-cross-region.html).
 * CDK Pipelines' pipeline for any other region synthesizes but fails on AWS, so comparing with it
 * there compares a working pipeline with a broken one. The regions without CodePipeline follow
 * (this library routes them through CodeBuild): the first N regions are all deliverable up to 28,
 * and 33 are every commercial region but the home region. `ROUTED` is measured separately: what
 * one region without CodePipeline adds to the 3-region pipeline.
 */
const DELIVERABLE = COMMERCIAL.filter(r => offers('codepipeline', r) !== false);
const WITHOUT_CODEPIPELINE = COMMERCIAL.filter(r => offers('codepipeline', r) === false);
const REGIONS = [...DELIVERABLE, ...WITHOUT_CODEPIPELINE];
const ROUTED = WITHOUT_CODEPIPELINE[0];

/** This library (one pipeline, or regional pipelines: `DeliveryTopology.regionalPipelines()`), or CDK Pipelines. */
type Variant = 'mrdp' | 'mrdp-regional' | 'cdk-pipelines' | 'cdk-pipelines-regional';
const VARIANTS: Variant[] = ['mrdp', 'mrdp-regional', 'cdk-pipelines', 'cdk-pipelines-regional'];

class ServiceStage extends Stage {
  constructor(scope: Construct, id: string, props: StageProps) {
    super(scope, id, props);
    const stack = new Stack(this, 'Service');
    new ssm.StringParameter(stack, 'Version', { stringValue: 'v1' });
  }
}

function buildApp(variant: Variant, n: number, outdir?: string, extra: string[] = []): App {
  const app = new App({ outdir, context: { 'aws:cdk:disable-creation-stack-traces': true } });
  const regions = [...REGIONS.slice(0, n), ...extra];
  if (variant === 'cdk-pipelines-regional') {
    for (const region of regions) {
      const stack = new Stack(app, `DeliveryPipeline-${region}`, { env: { account: ACCOUNT, region } });
      const bucket = new s3.Bucket(stack, 'SourceBucket', { versioned: true });
      const pipeline = new pipelines.CodePipeline(stack, 'Pipeline', {
        crossAccountKeys: false,
        synth: new pipelines.ShellStep('Synth', {
          input: pipelines.CodePipelineSource.s3(bucket, 'source.zip'),
          commands: ['npm ci', 'npx cdk synth'],
        }),
      });
      pipeline.addStage(new ServiceStage(app, `Service-${region}`, { env: { account: ACCOUNT, region } }));
    }
    return app;
  }
  const stack = new Stack(app, 'DeliveryPipeline', { env: { account: ACCOUNT, region: HOME } });
  const bucket = new s3.Bucket(stack, 'SourceBucket', { versioned: true });
  if (variant !== 'cdk-pipelines') {
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      topology: variant === 'mrdp-regional' ? DeliveryTopology.regionalPipelines() : undefined,
      source: PipelineSource.s3({ bucket, objectKey: 'source.zip' }),
      buildStep: PipelineBuild.codeBuild(),
      targets: regions.map(region => RegionTarget.cloudFormation({ region, stackName: 'service', templatePath: `${region}.template.yaml` })),
    });
  } else {
    const pipeline = new pipelines.CodePipeline(stack, 'Pipeline', {
      crossAccountKeys: false,
      synth: new pipelines.ShellStep('Synth', {
        input: pipelines.CodePipelineSource.s3(bucket, 'source.zip'),
        commands: ['npm ci', 'npx cdk synth'],
      }),
    });
    const wave = pipeline.addWave('Regions');
    for (const region of regions) {
      wave.addStage(new ServiceStage(app, `Service-${region}`, { env: { account: ACCOUNT, region } }));
    }
  }
  return app;
}

function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Measure {
  readonly cpuMs: number;
  readonly cpuMsNoValidation: number;
  readonly templateBytes: number;
  /** The largest template of the assembly (a regional pipeline's stack, with regional pipelines). */
  readonly largestTemplateBytes: number;
  readonly rolePolicyChars: number;
  readonly roleManagedPolicies: number;
  readonly stacks: number;
  readonly resources: number;
  readonly stages: number;
  readonly criticalPath: number;
  readonly violations: string[];
  readonly cfnLintErrors: number | undefined;
}

/**
 * Synth CPU of the variants at `n` regions: one warm-up each, then `runs` rounds that alternate
 * between them (and which goes first), with and without validation. Medians.
 */
function cpuOf(n: number, runs: number, extra: string[] = [], variants: Variant[] = VARIANTS):
{ [v: string]: { cpuMs: number; cpuMsNoValidation: number } } {
  const samples: { [v: string]: { cpu: number[]; noValidation: number[] } } = {};
  for (const variant of variants) {
    buildApp(variant, n, tmp(), extra).synth();
    samples[variant] = { cpu: [], noValidation: [] };
  }
  for (let i = 0; i < runs; i++) {
    for (const variant of i % 2 === 0 ? variants : [...variants].reverse()) {
      samples[variant].cpu.push(cpuMs(() => buildApp(variant, n, tmp(), extra).synth()));
    }
    for (const variant of i % 2 === 0 ? [...variants].reverse() : variants) {
      samples[variant].noValidation.push(cpuMs(() => buildApp(variant, n, tmp(), extra).synth({ skipValidation: true })));
    }
    cleanTmps();
  }
  return Object.fromEntries(variants.map(v => [v, { cpuMs: median(samples[v].cpu), cpuMsNoValidation: median(samples[v].noValidation) }]));
}

function measure(variant: Variant, n: number, cpu: { cpuMs: number; cpuMsNoValidation: number }, lint: boolean, extra: string[] = []): Measure {
  const outdir = tmp();
  const assembly = buildApp(variant, n, outdir, extra).synth();
  const all = [assembly, ...assembly.nestedAssemblies.map(a => a.nestedAssembly)];
  const stacks = all.flatMap(a => a.stacks);
  const pipelineStack = assembly.getStackByName(variant === 'cdk-pipelines-regional' ? `DeliveryPipeline-${REGIONS[0]}` : 'DeliveryPipeline');
  const template = pipelineStack.template;
  const resources = template.Resources as { [id: string]: any };
  const [, pipelineResource] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::CodePipeline::Pipeline')!;
  const roleId = pipelineResource.Properties.RoleArn['Fn::GetAtt'][0];
  const attached = (r: any) => JSON.stringify(r.Properties.Roles ?? []).includes(`"${roleId}"`);
  const rolePolicies = Object.values(resources).filter(r => (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') && attached(r));
  const rolePolicyChars = rolePolicies.reduce((sum, r) => sum + JSON.stringify(r.Properties.PolicyDocument).length, 0);
  const stages = pipelineResource.Properties.Stages as any[];
  const criticalPath = stages.reduce((sum, s) => sum + new Set(s.Actions.map((a: any) => a.RunOrder ?? 1)).size, 0);

  // quotas: https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html and
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
  const violations: string[] = [];
  const actions = stages.reduce((sum, s) => sum + s.Actions.length, 0);
  if (stages.length > 50) { violations.push(`${stages.length} stages`); }
  if (actions > 500) { violations.push(`${actions} actions`); }
  for (const s of stages.filter(x => x.Actions.length > 50)) { violations.push(`${s.Actions.length} actions in ${s.Name}`); }
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.PolicyDocument).length > 10240) { violations.push(`inline policy ${id}`); }
    if (r.Type === 'AWS::IAM::ManagedPolicy' && JSON.stringify(r.Properties.PolicyDocument).length > 6144) { violations.push(`managed policy ${id}`); }
  }

  return {
    ...cpu,
    templateBytes: JSON.stringify(template).length,
    largestTemplateBytes: Math.max(...stacks.map(st => JSON.stringify(st.template).length)),
    rolePolicyChars,
    roleManagedPolicies: rolePolicies.filter(r => r.Type === 'AWS::IAM::ManagedPolicy').length,
    stacks: stacks.length,
    resources: stacks.reduce((sum, s) => sum + Object.keys(s.template.Resources ?? {}).length, 0),
    stages: stages.length,
    criticalPath,
    violations,
    cfnLintErrors: lint ? cfnLintErrors(path.join(outdir, pipelineStack.templateFile)) : undefined,
  };
}

function cfnLintErrors(file: string): number | undefined {
  try {
    execFileSync('cfn-lint', ['--format', 'parseable', '--', file], { stdio: 'pipe' });
    return 0;
  } catch (e: any) {
    if (e.code === 'ENOENT') { return undefined; }
    const out = String(e.stdout ?? '');
    return out.split('\n').filter(line => /:E\d{4}:/.test(line)).length;
  }
}

const tmps: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mrdp-bench-'));
  tmps.push(dir);
  return dir;
}

function cleanTmps(): void {
  for (const dir of tmps.splice(0)) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `33 (5 without CodePipeline)` past the regions both pipelines can deliver to. */
function label(n: number): string {
  return n > DELIVERABLE.length ? `${n} (${n - DELIVERABLE.length} without CodePipeline)` : String(n);
}

/** The growth from the smallest size to the same regions and `ROUTED`, for this library's single pipeline and CDK Pipelines. */
function routedCost(bySize: Map<number, { [v: string]: Measure }>, lint: boolean): string[][] {
  const n = SIZES[0];
  if (!ROUTED || n >= DELIVERABLE.length || process.env.BENCH_ROUTED === 'false') { return []; }
  const variants: Variant[] = ['mrdp', 'cdk-pipelines'];
  const cpu = cpuOf(n, RUNS, [ROUTED], variants);
  return variants.map(variant => {
    const before = bySize.get(n)![variant];
    const after = measure(variant, n, cpu[variant], lint, [ROUTED]);
    const plus = (x: number, y: number) => `${x >= y ? '+' : ''}${(x - y).toFixed(0)}`;
    return [
      variant, plus(after.cpuMs, before.cpuMs), plus(after.templateBytes, before.templateBytes),
      plus(after.resources, before.resources), plus(after.stacks, before.stacks),
      after.cfnLintErrors === undefined || before.cfnLintErrors === undefined ? 'n/a' : plus(after.cfnLintErrors, before.cfnLintErrors),
      variant === 'mrdp' ? 'yes (a CodeBuild project in the home region)' : 'no (cross-region action in a region without CodePipeline)',
    ];
  });
}

/**
 * What a stack costs to synthesize beyond its resources: 32 artifact-store-like buckets (versioned,
 * TLS-only) each in a stack of its own beside 32 stacks of one parameter, against the same buckets
 * in those 32 stacks. The question it answers: what holding each region's store in its regional
 * pipeline's stack would save (one stack per region).
 */
function stackCost(runs: number): { separate: number; merged: number; perStack: number } {
  const build = (merged: boolean) => {
    const app = new App({ outdir: tmp(), context: { 'aws:cdk:disable-creation-stack-traces': true } });
    for (let i = 0; i < 32; i++) {
      const env = { account: ACCOUNT, region: REGIONS[i % REGIONS.length] };
      const stack = new Stack(app, `Pipeline${i}`, { env });
      new ssm.StringParameter(stack, 'Version', { stringValue: 'v1' });
      const store = merged ? stack : new Stack(app, `Store${i}`, { env });
      new s3.Bucket(store, 'Bucket', { bucketName: `bench-store-${i}`, versioned: true, enforceSSL: true });
    }
    return app;
  };
  const samples = { separate: [] as number[], merged: [] as number[] };
  build(true).synth();
  build(false).synth();
  for (let i = 0; i < runs; i++) {
    for (const merged of i % 2 === 0 ? [true, false] : [false, true]) {
      samples[merged ? 'merged' : 'separate'].push(cpuMs(() => build(merged).synth()));
    }
    cleanTmps();
  }
  const separate = median(samples.separate);
  const merged = median(samples.merged);
  return { separate, merged, perStack: (separate - merged) / 32 };
}

function main(): void {
  const lint = process.env.BENCH_LINT !== 'false';
  const rows: string[][] = [];
  const ratios: string[][] = [];
  const regionalRatios: string[][] = [];
  const missed: string[] = [];
  const base: { [v: string]: Measure } = {};
  const noCpu = { cpuMs: 0, cpuMsNoValidation: 0 };
  for (const variant of VARIANTS) {
    base[variant] = measure(variant, 1, noCpu, false);
  }
  const perRegion = (n: number, value: number, baseline: number) => n > 1 ? (value - baseline) / (n - 1) : NaN;
  const bySize = new Map<number, { [v: string]: Measure }>();
  for (const n of SIZES) {
    const cpu = cpuOf(n, RUNS);
    const m: { [v: string]: Measure } = {};
    bySize.set(n, m);
    for (const variant of VARIANTS) {
      const r = measure(variant, n, cpu[variant], lint);
      m[variant] = r;
      const fixed = (value: number) => Number.isNaN(value) ? '-' : value.toFixed(value < 10 ? 1 : 0);
      rows.push([
        label(n), variant,
        r.cpuMs.toFixed(0), r.cpuMsNoValidation.toFixed(0),
        String(r.templateBytes),
        fixed(perRegion(n, r.templateBytes, base[variant].templateBytes)),
        String(r.largestTemplateBytes),
        fixed(perRegion(n, r.rolePolicyChars, base[variant].rolePolicyChars)),
        String(r.roleManagedPolicies),
        String(r.stacks), String(r.resources),
        fixed(perRegion(n, r.resources, base[variant].resources)),
        String(r.stages), String(r.criticalPath),
        r.violations.length ? r.violations.join('; ') : 'none',
        r.cfnLintErrors === undefined ? 'n/a' : String(r.cfnLintErrors),
      ]);
      process.stderr.write(`measured ${variant} at ${n} regions\n`);
    }
    const a = m.mrdp;
    const b = m['cdk-pipelines'];
    const value = (x: number, y: number) => y === 0 || Number.isNaN(x) || Number.isNaN(y) ? NaN : x / y;
    const ratio = (x: number, y: number) => Number.isNaN(value(x, y)) ? '-' : `${value(x, y).toFixed(2)}x`;
    const goal = (name: keyof typeof GOALS, what: string, x: number, y: number) => {
      const v = value(x, y);
      const { max, sizes } = GOALS[name];
      if (!sizes.includes(n) || Number.isNaN(v)) { return ratio(x, y); }
      if (v > max) { missed.push(`${what} at ${n} regions: ${v.toFixed(2)}x, goal at most ${max.toFixed(1)}x`); }
      return `${ratio(x, y)} ${v <= max ? '(goal met)' : `(goal <= ${max.toFixed(1)}x missed)`}`;
    };
    ratios.push([
      label(n),
      goal('cpu', 'synth CPU', a.cpuMs, b.cpuMs),
      goal('templateBytes', 'pipeline template', a.templateBytes, b.templateBytes),
      ratio(a.rolePolicyChars, b.rolePolicyChars),
      ratio(a.resources, b.resources),
      goal('resourcesPerRegion', 'resources per region',
        perRegion(n, a.resources, base.mrdp.resources), perRegion(n, b.resources, base['cdk-pipelines'].resources)),
      ratio(a.criticalPath, b.criticalPath),
    ]);
    const r = m['mrdp-regional'];
    const c = m['cdk-pipelines-regional'];
    regionalRatios.push([
      // issue #19 sets the CPU goal for both topologies, against CDK Pipelines' one pipeline
      label(n), goal('cpu', 'regional pipelines synth CPU', r.cpuMs, b.cpuMs), ratio(r.templateBytes, b.templateBytes), ratio(r.resources, b.resources),
      ratio(perRegion(n, r.resources, base['mrdp-regional'].resources), perRegion(n, b.resources, base['cdk-pipelines'].resources)),
      // like for like: a CDK Pipelines pipeline in every region
      ratio(r.cpuMs, c.cpuMs), ratio(r.resources, c.resources),
      ratio(perRegion(n, r.resources, base['mrdp-regional'].resources), perRegion(n, c.resources, base['cdk-pipelines-regional'].resources)),
    ]);
  }
  const table = (header: string[], body: string[][]) =>
    [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map(r => `| ${r.join(' | ')} |`)].join('\n');
  console.log(`Machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; median of ${RUNS} interleaved runs\n`);
  console.log('Ratios, this library / CDK Pipelines (lower is better):\n');
  console.log(table(['regions', 'synth CPU', 'pipeline template', 'pipeline-role policy', 'resources', 'resources / region', 'critical path'], ratios));
  console.log('\nRegional pipelines (`DeliveryTopology.regionalPipelines()`) / CDK Pipelines (home template against CDK Pipelines\' pipeline template), ' +
    'and / a CDK Pipelines pipeline in every region (cdk-pipelines-regional):\n');
  console.log(table(['regions', 'synth CPU', 'home pipeline template', 'resources', 'resources / region',
    'synth CPU / per-region CDK Pipelines', 'resources / per-region CDK Pipelines', 'resources per region / per-region CDK Pipelines'], regionalRatios));
  const routed = routedCost(bySize, lint);
  if (routed.length > 0) {
    console.log(`\nWhat one region without CodePipeline (${ROUTED}) adds to the ${SIZES[0]}-region pipeline (this library routes it through CodeBuild; ` +
      'CDK Pipelines\' pipeline synthesizes, but CodePipeline cannot run its cross-region actions there):\n');
    console.log(table(['pipeline', 'synth CPU ms', 'template bytes', 'resources', 'stacks', 'cfn-lint errors', 'deploys on AWS'], routed));
  }
  if (process.env.BENCH_STACK_COST !== 'false') {
    const cost = stackCost(RUNS);
    console.log('\nWhat a stack costs (32 versioned, TLS-only buckets, each in a stack of its own or in one of 32 existing stacks):\n');
    console.log(table(['buckets in', 'synth CPU ms', 'per stack ms'], [
      ['32 stacks of their own (64 stacks)', cost.separate.toFixed(0), cost.perStack.toFixed(1)],
      ['the 32 existing stacks', cost.merged.toFixed(0), '-'],
    ]));
  }
  console.log('\nMeasurements:\n');
  console.log(table([
    'regions', 'pipeline', 'synth CPU ms', 'synth CPU ms (no validation)', 'template bytes', 'template bytes / region', 'largest stack template bytes',
    'pipeline-role policy chars / region', 'overflow managed policies', 'stacks', 'resources', 'resources / region', 'stages',
    'critical path', 'quota violations', 'cfn-lint errors',
  ], rows));
  cleanTmps();
  if (missed.length > 0) {
    console.log(`\nGoals missed:\n${missed.map(x => `- ${x}`).join('\n')}`);
  }
  if (CHECK && missed.length > 0) {
    process.exitCode = 1;
  }
}

main();

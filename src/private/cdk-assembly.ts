import * as fs from 'fs';
import * as path from 'path';
import { Aws, DefaultStackSynthesizer, Stack, Stage } from 'aws-cdk-lib';
import * as cxschema from 'aws-cdk-lib/cloud-assembly-schema';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { validationError } from './errors';

/*
 * What a pipeline needs to know of a CDK Stage, read from the stage's own cloud assembly
 * (`stage.synth()`): its stacks with their template files, dependencies and bootstrap roles, and the
 * asset manifests that cdk-assets publishes. Everything here is checked when the target is created.
 */

/** One stack of the stage, as the pipeline deploys it. */
export interface CdkStackRecord {
  /** The stack's name in CloudFormation. */
  readonly stackName: string;
  /** The stack's artifact ID in the cloud assembly. */
  readonly artifactId: string;
  /** The stack's template, relative to the top-level cloud assembly directory (`cdk.out`), with `/`. */
  readonly templatePath: string;
  /** The stack's asset manifest, relative to the top-level cloud assembly directory, if it has one. */
  readonly assetManifestPath?: string;
  /** Stack names of the stage that this stack depends on. */
  readonly dependsOn: string[];
  /** 0 for a stack that depends on no stack of the stage, else one more than its deepest dependency. */
  readonly level: number;
  /** The bootstrap deploy role the synthesizer names (placeholders resolved). */
  readonly deployRoleArn?: string;
  /** The bootstrap CloudFormation execution role the synthesizer names (placeholders resolved). */
  readonly executionRoleArn?: string;
  /** The SSM parameter holding the bootstrap stack's version, which the template reads. */
  readonly bootstrapVersionParameter?: string;
  readonly terminationProtection: boolean;
}

/** The destinations of a stage's assets, from its asset manifests. */
export interface AssetDestinations {
  /** The roles cdk-assets assumes to publish (the bootstrap file and image publishing roles). */
  readonly publishingRoleArns: string[];
  readonly bucketNames: string[];
  readonly repositoryNames: string[];
  readonly fileAssets: number;
  readonly imageAssets: number;
}

/** A stage, read from its cloud assembly. */
export interface StageAssembly {
  readonly stageName: string;
  readonly account: string;
  readonly region: string;
  /** The stage's stacks, in deployment order (by level, then as the assembly lists them). */
  readonly stacks: CdkStackRecord[];
  readonly assets: AssetDestinations;
}

/** aws-cdk-lib's marks for an environment it does not know (cx-api `UNKNOWN_ACCOUNT`, `UNKNOWN_REGION`). */
const UNKNOWN = ['unknown-account', 'unknown-region'];

/** Artifact types of the cloud assembly schema (`ArtifactType`). */
const STACK_ARTIFACT = 'aws:cloudformation:stack';
const ASSET_MANIFEST_ARTIFACT = 'cdk:asset-manifest';

/**
 * Synthesizes `stage` (aws-cdk-lib keeps the result, so the app's own synthesis writes the same
 * assembly) and reads it. Throws, naming the stage, when the stage cannot be delivered this way.
 */
export function readStageAssembly(stage: Stage, what: string): StageAssembly {
  checkNoNestedStages(stage, what);
  const stacks = ownStacks(stage);
  if (stacks.length === 0) {
    throw validationError(`${what}: the stage has no stacks; add the stacks to deliver before passing the stage to RegionTarget.cdkStage().`, stage);
  }
  stacks.forEach(stack => checkSynthesizer(stack, what));
  const assembly = stage.synth();
  const root = rootDirectory(stage);
  const artifacts = assembly.stacks;
  const env = checkEnvironment(artifacts, stage, what);
  checkUniqueNames(artifacts, stage, what);
  checkResources(artifacts, stage, what);
  const partition = RegionInfo.get(env.region).partition ?? Aws.PARTITION;
  const resolve = (arn: string | undefined) => arn === undefined ? undefined : arn
    .replace(/\$\{AWS::AccountId\}/g, env.account).replace(/\$\{AWS::Region\}/g, env.region).replace(/\$\{AWS::Partition\}/g, partition);
  const relative = (file: string) => path.relative(root, file).split(path.sep).join('/');
  const levels = dependencyLevels(artifacts);
  const manifests: cxapi.AssetManifestArtifact[] = [];
  const records = artifacts.map((artifact): CdkStackRecord => {
    const manifest = artifact.dependencies.find(d => d.manifest.type === ASSET_MANIFEST_ARTIFACT) as cxapi.AssetManifestArtifact | undefined;
    if (manifest) { manifests.push(manifest); }
    return {
      stackName: artifact.stackName,
      artifactId: artifact.id,
      templatePath: relative(path.join(assembly.directory, artifact.templateFile)),
      assetManifestPath: manifest ? relative(manifest.file) : undefined,
      dependsOn: stackDependencies(artifact).map(d => d.stackName),
      level: levels.get(artifact.id)!,
      deployRoleArn: resolve(artifact.assumeRoleArn),
      executionRoleArn: resolve(artifact.cloudFormationExecutionRoleArn),
      bootstrapVersionParameter: artifact.bootstrapStackVersionSsmParameter,
      terminationProtection: artifact.terminationProtection === true,
    };
  });
  records.sort((a, b) => a.level - b.level);
  return { stageName: stage.stageName, ...env, stacks: records, assets: destinations(manifests, resolve) };
}

/** The stacks whose stage is `stage` (not nested stacks, which their parent's template deploys). */
function ownStacks(stage: Stage): Stack[] {
  return stage.node.findAll().filter((c): c is Stack => Stack.isStack(c) && !c.nested && Stage.of(c) === stage);
}

/**
 * Stages inside the stage have assemblies of their own, which CDK Pipelines does not deploy either
 * (it reads `assembly.stacks` of the stage only); rather than leaving them out silently, refuse.
 */
function checkNoNestedStages(stage: Stage, what: string): void {
  const nested = stage.node.findAll().find(c => c !== stage && Stage.isStage(c));
  if (nested) {
    throw validationError(`${what}: the stage holds another stage, ${nested.node.path}, whose stacks would not be deployed; ` +
      'pass each stage to RegionTarget.cdkStage() on its own instead of nesting them.', stage);
  }
}

/**
 * Only DefaultStackSynthesizer (and its subclasses) names, in the cloud assembly, the bootstrap
 * bucket, repository and publishing roles of each asset and the deploy and execution roles of each
 * stack, which is what the pipeline publishes and deploys with. CDK Pipelines requires the same.
 * @see https://docs.aws.amazon.com/cdk/v2/guide/configure-synth.html
 */
function checkSynthesizer(stack: Stack, what: string): void {
  if (stack.synthesizer instanceof DefaultStackSynthesizer) { return; }
  throw validationError(`${what}: stack ${stack.stackName} (${stack.node.path}) uses ${stack.synthesizer.constructor.name}, which cannot be deployed this way. ` +
    'RegionTarget.cdkStage() deploys stacks of DefaultStackSynthesizer (the default of CDK v2) or a subclass of it: its asset manifests name the bootstrap ' +
    'bucket, repository and publishing roles, and each stack names the bootstrap deploy and execution roles. LegacyStackSynthesizer passes assets as ' +
    'template parameters that no pipeline action fills in; CliCredentialsStackSynthesizer and BootstraplessSynthesizer name no publishing or deploy roles, ' +
    'so the pipeline would need broad rights of its own. Remove the `synthesizer` of the stack (or of the app) and run `cdk bootstrap` in its region.', stack);
}

/** The one concrete environment of the stage's stacks. */
function checkEnvironment(artifacts: cxapi.CloudFormationStackArtifact[], stage: Stage, what: string): { account: string; region: string } {
  for (const artifact of artifacts) {
    const { account, region } = artifact.environment;
    if (UNKNOWN.includes(account) || UNKNOWN.includes(region)) {
      throw validationError(`${what}: stack ${artifact.stackName} has no concrete ${UNKNOWN.includes(account) ? 'account' : 'region'} ` +
        `(account '${account}', region '${region}'); the pipeline deploys each stack to a known account and region. ` +
        "Set `env: { account: '111111111111', region: 'eu-west-1' }` on the stage (or on the stack).", stage);
    }
  }
  const envs = [...new Set(artifacts.map(a => `${a.environment.account}/${a.environment.region}`))];
  if (envs.length > 1) {
    throw validationError(`${what}: the stage's stacks are in ${envs.length} environments (${envs.join(', ')}); a cdkStage target deploys to one ` +
      'account and region. Put the stacks of each region in a stage of their own and pass each stage as a target.', stage);
  }
  const { account, region } = artifacts[0].environment;
  return { account, region };
}

function checkUniqueNames(artifacts: cxapi.CloudFormationStackArtifact[], stage: Stage, what: string): void {
  const names = artifacts.map(a => a.stackName);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) {
    throw validationError(`${what}: two stacks of the stage are named '${twice}' in the same account and region, so both would deploy one ` +
      'CloudFormation stack; give each stack a distinct `stackName`.', stage);
  }
}

/**
 * A template must declare at least one resource, so CloudFormation refuses a change set of an empty
 * stack (`cdk deploy` skips such a stack instead); refused here rather than failing in the pipeline.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-guide.html
 */
function checkResources(artifacts: cxapi.CloudFormationStackArtifact[], stage: Stage, what: string): void {
  const empty = artifacts.find(a => Object.keys(a.template.Resources ?? {}).length === 0);
  if (empty) {
    throw validationError(`${what}: stack ${empty.stackName} has no resources, and CloudFormation refuses a template without any; ` +
      'add its resources or remove the stack from the stage.', stage);
  }
}

/** Each stack's level: 0 without dependencies in the stage, else one more than its deepest dependency. */
function dependencyLevels(artifacts: cxapi.CloudFormationStackArtifact[]): Map<string, number> {
  const levels = new Map<string, number>();
  const ids = new Set(artifacts.map(a => a.id));
  const levelOf = (artifact: cxapi.CloudFormationStackArtifact): number => {
    const known = levels.get(artifact.id);
    if (known !== undefined) { return known; }
    const deps = stackDependencies(artifact).filter(d => ids.has(d.id));
    const level = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(levelOf));
    levels.set(artifact.id, level);
    return level;
  };
  artifacts.forEach(levelOf);
  return levels;
}

/** Every destination of every asset of the manifests (each once), with the roles that publish to them. */
function destinations(manifests: cxapi.AssetManifestArtifact[], resolve: (text: string | undefined) => string | undefined): AssetDestinations {
  const roles = new Set<string>();
  const buckets = new Set<string>();
  const repositories = new Set<string>();
  let fileAssets = 0;
  let imageAssets = 0;
  for (const manifest of manifests) {
    const contents: cxschema.AssetManifest = JSON.parse(fs.readFileSync(manifest.file, 'utf-8'));
    for (const asset of Object.values(contents.files ?? {})) {
      fileAssets++;
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (destination.assumeRoleArn) { roles.add(resolve(destination.assumeRoleArn)!); }
        buckets.add(resolve(destination.bucketName)!);
      }
    }
    for (const asset of Object.values(contents.dockerImages ?? {})) {
      imageAssets++;
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (destination.assumeRoleArn) { roles.add(resolve(destination.assumeRoleArn)!); }
        repositories.add(resolve(destination.repositoryName)!);
      }
    }
  }
  return {
    publishingRoleArns: [...roles].sort(),
    bucketNames: [...buckets].sort(),
    repositoryNames: [...repositories].sort(),
    fileAssets,
    imageAssets,
  };
}

/** The stacks `artifact` depends on (artifacts of other types, such as its asset manifest, left out). */
function stackDependencies(artifact: cxapi.CloudFormationStackArtifact): cxapi.CloudFormationStackArtifact[] {
  return artifact.dependencies.filter(d => d.manifest.type === STACK_ARTIFACT) as cxapi.CloudFormationStackArtifact[];
}

/** The directory of the outermost stage (the App): `cdk.out` when the app runs under the CDK CLI. */
function rootDirectory(stage: Stage): string {
  let outer: Stage = stage;
  for (let parent = Stage.of(stage); parent; parent = Stage.of(parent)) {
    outer = parent;
  }
  return outer.outdir;
}

/**
 * The qualifier of the bootstrap deploy and execution roles that every stack of the stage names
 * (`cdk-<qualifier>-deploy-role-<account>-<region>`, as DefaultStackSynthesizer names them, the
 * qualifier being 1 to 10 letters, digits, `_` or `-`); undefined when they are named otherwise.
 * @see https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-customizing.html
 */
export function bootstrapQualifierOf(assembly: StageAssembly): string | undefined {
  const { account, region } = assembly;
  const qualifiers = assembly.stacks.map(stack => {
    const deploy = /:role\/cdk-([A-Za-z0-9_-]{1,10})-deploy-role-(\d{12})-([a-z0-9-]+)$/.exec(stack.deployRoleArn ?? '');
    const exec = /:role\/cdk-([A-Za-z0-9_-]{1,10})-cfn-exec-role-(\d{12})-([a-z0-9-]+)$/.exec(stack.executionRoleArn ?? '');
    return deploy && exec && deploy[1] === exec[1] && deploy[2] === account && exec[2] === account && deploy[3] === region && exec[3] === region
      ? deploy[1] : undefined;
  });
  return qualifiers.every(q => q !== undefined && q === qualifiers[0]) ? qualifiers[0] : undefined;
}

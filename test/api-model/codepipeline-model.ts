/**
 * An offline check of what the CodePipeline API would reject: a synthesized `AWS::CodePipeline::Pipeline`
 * is checked against CodePipeline's own API model (botocore's service model, installed with cfn-lint),
 * whose shapes give the lengths, patterns, list sizes and required members of every part of a
 * pipeline declaration. cfn-lint checks the CloudFormation schema, which does not carry these limits
 * (it accepted a 4,877-character action configuration value and repeated rule names).
 *
 * Values that are CloudFormation intrinsics are not skipped: their rendered length is estimated from
 * above (a `Ref` to a bucket is at most 63 characters, an ARN of a role at most 2,048, ...).
 */
import { execFileSync } from 'child_process';

interface Shape {
  readonly type: string;
  readonly members?: { [name: string]: { readonly shape: string } };
  readonly required?: string[];
  readonly member?: { readonly shape: string };
  readonly key?: { readonly shape: string };
  readonly value?: { readonly shape: string };
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: string[];
}

export interface ApiModel {
  readonly shapes: { [name: string]: Shape };
}

let cached: ApiModel | undefined;

/** botocore's CodePipeline service model (the newest API version on this machine). */
export function codePipelineModel(): ApiModel {
  if (!cached) {
    const script = [
      'import botocore.loaders, json, sys',
      'loader = botocore.loaders.create_loader()',
      "json.dump(loader.load_service_model('codepipeline', 'service-2'), sys.stdout)",
    ].join('\n');
    cached = JSON.parse(execFileSync('python3', ['-c', script], { maxBuffer: 64 * 1024 * 1024 }).toString()) as ApiModel;
  }
  return cached;
}

/**
 * A pipeline without `Name` is named by CloudFormation (a valid name), so the API's required `name` is
 * not missing. */
const GENERATED = new Set(['pipeline.name']);

/** Members of the CloudFormation resource that are not part of the API's pipeline declaration. */
const CFN_ONLY = new Set(['RestartExecutionOnUpdate', 'DisableInboundStageTransitions', 'Tags']);

/**
 * Upper bounds of the rendered length of values CloudFormation fills in. Pseudo parameters and
 * attributes are bounded by their documented formats; anything unknown counts as 2,048 characters
 * (IAM's limit for an ARN), so it fails any smaller limit instead of passing unchecked.
 */
const PSEUDO_LENGTH: { [name: string]: number } = {
  'AWS::Partition': 10, 'AWS::Region': 30, 'AWS::AccountId': 12, 'AWS::URLSuffix': 20, 'AWS::StackName': 128,
};
const REF_LENGTH_BY_TYPE: { [type: string]: number } = {
  'AWS::S3::Bucket': 63, // bucket names: 3 to 63 characters
  'AWS::CodeBuild::Project': 255, // project names: 2 to 255 characters
  'AWS::IAM::Role': 64, // role names: at most 64 characters
  'AWS::CloudWatch::Alarm': 255, // alarm names: at most 255 characters
  'AWS::SNS::Topic': 1024,
  // function names: at most 64 characters (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html)
  'AWS::Lambda::Function': 64,
};
/** `Fn::GetAtt` of these attributes: ARNs of the formats the services document, names of their maximum length. */
const ATTRIBUTE_LENGTH: { [typeAndAttribute: string]: number } = {
  // arn:<partition>:iam::<account>:role/<path><name>, with a 64-character name and CDK's default path '/'
  'AWS::IAM::Role.Arn': 128,
  // arn:<partition>:kms:<region>:<account>:key/<36-character key ID>
  'AWS::KMS::Key.Arn': 128,
  // the key ARN read by the store-key lookup of a target in another account (private/cross-account.ts):
  // DescribeKey's KeyMetadata.Arn, the same key ARN as above
  'Custom::AWS.KeyMetadata.Arn': 128,
  // arn:<partition>:s3:::<63-character name>
  'AWS::S3::Bucket.Arn': 90,
  // arn:<partition>:codebuild:<region>:<account>:project/<255-character name>
  'AWS::CodeBuild::Project.Arn': 340,
  // arn:<partition>:cloudwatch:<region>:<account>:alarm:<255-character name>
  'AWS::CloudWatch::Alarm.Arn': 340,
  // repository names: at most 100 characters
  'AWS::CodeCommit::Repository.Name': 100,
};
const UNKNOWN_LENGTH = 2048;

/**
 * A template's resources by logical ID; its parameters may be given too (`Type`
 * `AWS::CloudFormation::Parameter`, with the parameter's `MaxLength`), see `templateEntries`.
 */
export interface TemplateResources {
  readonly [logicalId: string]: { readonly Type: string; readonly MaxLength?: number };
}

/** The resources of `template`, and its parameters as entries whose length is their `MaxLength` (if any). */
export function templateEntries(template: { Resources?: object; Parameters?: object }): TemplateResources {
  const parameters = Object.fromEntries(Object.entries<any>(template.Parameters ?? {})
    .map(([name, p]) => [name, { Type: 'AWS::CloudFormation::Parameter', MaxLength: typeof p.MaxLength === 'number' ? p.MaxLength : Number(p.MaxLength) || undefined }]));
  return { ...parameters, ...(template.Resources ?? {}) } as TemplateResources;
}

/** Every CodePipeline of `template`, with the problems the API model finds in it (`<logical ID>: <problem>`). */
export function pipelineProblems(template: { Resources?: object; Parameters?: object }): string[] {
  const entries = templateEntries(template);
  return Object.entries<any>(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::CodePipeline::Pipeline')
    .flatMap(([id, r]) => checkPipeline(r.Properties, entries).map(p => `${id}: ${p}`));
}

/** The largest length `value` can have once CloudFormation renders it. */
export function renderedLength(value: unknown, resources: TemplateResources): number {
  if (typeof value === 'string') { return value.length; }
  if (typeof value === 'number' || typeof value === 'boolean') { return String(value).length; }
  if (value && typeof value === 'object') {
    const [fn, args] = Object.entries(value as object)[0] ?? [];
    if (fn === 'Ref') {
      const ref = args as string;
      return PSEUDO_LENGTH[ref] ?? resources[ref]?.MaxLength ?? REF_LENGTH_BY_TYPE[resources[ref]?.Type] ?? UNKNOWN_LENGTH;
    }
    if (fn === 'Fn::Join') {
      const [separator, parts] = args as [string, unknown[]];
      return parts.reduce<number>((n, part) => n + renderedLength(part, resources), 0) + separator.length * Math.max(0, parts.length - 1);
    }
    if (fn === 'Fn::GetAtt') {
      const [logicalId, attribute] = args as [string, string];
      return ATTRIBUTE_LENGTH[`${resources[logicalId]?.Type}.${attribute}`] ?? UNKNOWN_LENGTH;
    }
    if (fn === 'Fn::Select') {
      // a part of a split string is at most as long as the string; an element of a literal list at most its longest
      const list = (args as [unknown, unknown])[1];
      if (Array.isArray(list)) { return Math.max(0, ...list.map(item => renderedLength(item, resources))); }
      const split = (list as { [fn: string]: unknown })?.['Fn::Split'];
      if (Array.isArray(split)) { return renderedLength(split[1], resources); }
      return UNKNOWN_LENGTH;
    }
    if (fn === 'Fn::ImportValue' || fn === 'Fn::Sub' || fn === 'Fn::If') {
      return UNKNOWN_LENGTH;
    }
  }
  return UNKNOWN_LENGTH;
}

/** `Stages` → `stages`. */
function apiName(cfnName: string): string {
  return cfnName.charAt(0).toLowerCase() + cfnName.slice(1);
}

/** CloudFormation's shape of a pipeline differs from the API's in a few places; bring it to the API's. */
function toApiDeclaration(properties: { [key: string]: any }): { [key: string]: any } {
  const declaration: { [key: string]: any } = {};
  for (const [key, value] of Object.entries(properties)) {
    if (CFN_ONLY.has(key)) { continue; }
    if (key === 'ArtifactStores') {
      // a list of { Region, ArtifactStore } in CloudFormation, a map from region in the API
      declaration.artifactStores = Object.fromEntries((value as any[]).map(s => [s.Region, s.ArtifactStore]));
    } else {
      declaration[apiName(key)] = value;
    }
  }
  return declaration;
}

/**
 * The problems the API would report for `properties` (an `AWS::CodePipeline::Pipeline`'s
 * `Properties`), each with the path of the value, such as `stages[2].actions[0].configuration.EnvironmentVariables`.
 */
export function checkPipeline(properties: { [key: string]: any }, resources: TemplateResources): string[] {
  const model = codePipelineModel();
  const problems: string[] = [];
  checkValue(model, 'PipelineDeclaration', toApiDeclaration(properties), 'pipeline', resources, problems);
  checkUniqueRuleNames(properties, problems);
  return problems;
}

function checkValue(model: ApiModel, shapeName: string, value: any, path: string, resources: TemplateResources, problems: string[]): void {
  const shape = model.shapes[shapeName];
  switch (shape.type) {
    case 'structure':
      return checkStructure(model, shape, value, path, resources, problems);
    case 'list':
      if (!Array.isArray(value)) { problems.push(`${path}: expected a list`); return; }
      checkSize(shape, value.length, path, 'items', problems);
      value.forEach((item, i) => checkValue(model, shape.member!.shape, item, `${path}[${i}]`, resources, problems));
      return;
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) { problems.push(`${path}: expected a map`); return; }
      checkSize(shape, Object.keys(value).length, path, 'entries', problems);
      for (const [key, item] of Object.entries(value)) {
        checkValue(model, shape.key!.shape, key, `${path} key '${key}'`, resources, problems);
        checkValue(model, shape.value!.shape, item, `${path}.${key}`, resources, problems);
      }
      return;
    case 'string':
      return checkString(shape, value, path, resources, problems);
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || (shape.min !== undefined && value < shape.min) || (shape.max !== undefined && value > shape.max)) {
        problems.push(`${path}: ${JSON.stringify(value)} is not an integer from ${shape.min} to ${shape.max}`);
      }
      return;
    default:
      return; // booleans, timestamps: nothing to check
  }
}

function checkStructure(model: ApiModel, shape: Shape, value: any, path: string, resources: TemplateResources, problems: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${path}: expected a structure`);
    return;
  }
  for (const required of shape.required ?? []) {
    if (GENERATED.has(`${path}.${required}`)) { continue; }
    if (value[required] === undefined && value[required.charAt(0).toUpperCase() + required.slice(1)] === undefined) {
      problems.push(`${path}: required member '${required}' is missing`);
    }
  }
  for (const [key, item] of Object.entries(value)) {
    const member = shape.members?.[key] ?? shape.members?.[apiName(key)];
    if (!member) {
      problems.push(`${path}: '${key}' is not a member of the API's shape`);
      continue;
    }
    checkValue(model, member.shape, item, `${path}.${apiName(key)}`, resources, problems);
  }
}

function checkString(shape: Shape, value: unknown, path: string, resources: TemplateResources, problems: string[]): void {
  const literal = typeof value === 'string' ? value : undefined;
  const length = renderedLength(value, resources);
  if (shape.min !== undefined && literal !== undefined && length < shape.min) {
    problems.push(`${path}: ${length} characters, under the minimum of ${shape.min}`);
  }
  if (shape.max !== undefined && length > shape.max) {
    problems.push(`${path}: ${literal !== undefined ? '' : 'up to '}${length} characters, over the maximum of ${shape.max}`);
  }
  if (literal !== undefined && shape.pattern !== undefined && !new RegExp(`^(?:${shape.pattern})$`, 's').test(literal)) {
    problems.push(`${path}: '${literal}' does not match ${shape.pattern}`);
  }
  if (literal !== undefined && shape.enum !== undefined && !shape.enum.includes(literal)) {
    problems.push(`${path}: '${literal}' is not one of ${shape.enum.join(', ')}`);
  }
}

function checkSize(shape: Shape, size: number, path: string, what: string, problems: string[]): void {
  if ((shape.min !== undefined && size < shape.min) || (shape.max !== undefined && size > shape.max)) {
    problems.push(`${path}: ${size} ${what}, allowed ${shape.min ?? 0} to ${shape.max ?? 'any'}`);
  }
}

/** Rule names identify a rule within the pipeline: keep them unique across every stage and condition. */
function checkUniqueRuleNames(properties: { [key: string]: any }, problems: string[]): void {
  const seen = new Set<string>();
  for (const stage of properties.Stages ?? []) {
    for (const conditions of [stage.BeforeEntry?.Conditions, stage.OnSuccess?.Conditions, stage.OnFailure?.Conditions]) {
      for (const rule of (conditions ?? []).flatMap((c: any) => c.Rules ?? [])) {
        if (seen.has(rule.Name)) {
          problems.push(`pipeline: rule name '${rule.Name}' is used more than once (stage ${stage.Name})`);
        }
        seen.add(rule.Name);
      }
    }
  }
}

import { Duration } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import { explainProjectWithoutKey } from './private/nag';
import { BindContext, PluginBinding } from './private/protocol';

/**
 * The lowest cfn-lint finding level that fails the Validate stage.
 * @see https://github.com/aws-cloudformation/cfn-lint#command-line-options (`--non-zero-exit-code`)
 */
export enum ValidationSeverity {
  /** Fail on errors only. */
  ERROR = 'error',
  /** Fail on warnings and errors. */
  WARNING = 'warning',
  /** Fail on informational findings, warnings and errors. */
  INFORMATIONAL = 'informational',
}

/**
 * Options of the cfn-lint and CloudFormation Guard validation.
 */
export interface CfnLintAndGuardOptions {
  /**
   * The lowest cfn-lint finding level that fails the stage. Every CloudFormation Guard rule that
   * fails, fails the stage (Guard rules have no levels).
   * @default ValidationSeverity.WARNING
   */
  readonly failOn?: ValidationSeverity;

  /**
   * CloudFormation Guard rules (Guard 3 syntax) to check the templates against, instead of the
   * shipped ones (`TemplateValidation.DEFAULT_GUARD_RULES`). Append to that constant to keep them.
   * @default TemplateValidation.DEFAULT_GUARD_RULES
   * @see https://docs.aws.amazon.com/cfn-guard/latest/ug/writing-rules.html
   */
  readonly guardRules?: string;

  /**
   * The cfn-lint version installed from PyPI (pip) in the CodeBuild project.
   * @default '1.58.0'
   */
  readonly cfnLintVersion?: string;

  /**
   * The CloudFormation Guard release downloaded in the CodeBuild project (the x86_64 Ubuntu archive
   * of the GitHub release). Give `guardSha256` with it.
   * @default '3.2.0'
   */
  readonly guardVersion?: string;

  /**
   * SHA-256 of the release archive `cfn-guard-v3-x86_64-ubuntu-latest.tar.gz` of `guardVersion`;
   * the download is rejected when it differs. Required when `guardVersion` is given. The Guard
   * project publishes no checksums with its releases, so the default is the checksum of the 3.2.0
   * archive as this library's maintainers downloaded it: pin your own if you rely on it.
   * @default - the checksum of the 3.2.0 archive
   */
  readonly guardSha256?: string;

  /**
   * Where the project downloads the Guard archive from: an HTTPS URL of the same archive
   * (`cfn-guard-v3-x86_64-ubuntu-latest.tar.gz`), for example a copy in your own artifact repository
   * for a build without access to GitHub. The archive is still checked against `guardSha256`.
   * @default - the GitHub release of `guardVersion`
   */
  readonly guardArchiveUrl?: string;
}

/**
 * Checks of the templates the CloudFormation targets deploy, in a `Validate` stage between the build
 * and the first deploy stage: a finding fails the stage before any region is touched.
 */
export abstract class TemplateValidation {
  /**
   * The CloudFormation Guard rules shipped with the library: S3 buckets block public access and deny
   * requests without TLS, EBS volumes and RDS instances and clusters are encrypted at rest, load
   * balancer listeners use HTTPS/TLS (or redirect to HTTPS).
   */
  public static readonly DEFAULT_GUARD_RULES: string = [
    "# Default rules of cdk-multi-region-delivery-pipeline's Validate stage (CloudFormation Guard 3).\n",
    '\n',
    "let s3_buckets = Resources.*[ Type == 'AWS::S3::Bucket' ]\n",
    "let s3_bucket_policies = Resources.*[ Type == 'AWS::S3::BucketPolicy' ]\n",
    "let ebs_volumes = Resources.*[ Type == 'AWS::EC2::Volume' ]\n",
    "let rds_instances = Resources.*[ Type == 'AWS::RDS::DBInstance'\n",
    '  Properties.DBClusterIdentifier not exists ]\n',
    "let rds_clusters = Resources.*[ Type == 'AWS::RDS::DBCluster' ]\n",
    "let listeners = Resources.*[ Type == 'AWS::ElasticLoadBalancingV2::Listener' ]\n",
    '\n',
    'rule S3_BUCKET_NO_PUBLIC_ACCESS when %s3_buckets !empty {\n',
    '  %s3_buckets.Properties.PublicAccessBlockConfiguration.BlockPublicAcls == true\n',
    '  %s3_buckets.Properties.PublicAccessBlockConfiguration.BlockPublicPolicy == true\n',
    '  %s3_buckets.Properties.PublicAccessBlockConfiguration.IgnorePublicAcls == true\n',
    '  %s3_buckets.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets == true\n',
    '  <<S3 buckets must block public access: PublicAccessBlockConfiguration with all four settings true>>\n',
    '}\n',
    '\n',
    'rule S3_BUCKET_TLS_ONLY when %s3_buckets !empty {\n',
    '  %s3_bucket_policies !empty\n',
    '  <<S3 buckets need a bucket policy that denies requests without TLS (aws:SecureTransport false)>>\n',
    '  some %s3_bucket_policies.Properties.PolicyDocument.Statement[*] {\n',
    "    Effect == 'Deny'\n",
    "    Condition.Bool.'aws:SecureTransport' IN ['false', false]\n",
    '    <<S3 buckets need a bucket policy that denies requests without TLS (aws:SecureTransport false)>>\n',
    '  }\n',
    '}\n',
    '\n',
    'rule EBS_VOLUME_ENCRYPTED when %ebs_volumes !empty {\n',
    '  %ebs_volumes.Properties.Encrypted == true\n',
    '  <<EBS volumes must be encrypted at rest (Encrypted: true)>>\n',
    '}\n',
    '\n',
    'rule RDS_STORAGE_ENCRYPTED when %rds_instances !empty {\n',
    '  %rds_instances.Properties.StorageEncrypted == true\n',
    '  <<RDS DB instances must be encrypted at rest (StorageEncrypted: true)>>\n',
    '}\n',
    '\n',
    'rule RDS_CLUSTER_STORAGE_ENCRYPTED when %rds_clusters !empty {\n',
    '  %rds_clusters.Properties.StorageEncrypted == true\n',
    '  <<RDS DB clusters must be encrypted at rest (StorageEncrypted: true)>>\n',
    '}\n',
    '\n',
    'rule ELB_LISTENER_TLS when %listeners !empty {\n',
    '  %listeners[*] {\n',
    "    Properties.Protocol IN ['HTTPS', 'TLS'] or\n",
    "    Properties.DefaultActions[*].RedirectConfig.Protocol == 'HTTPS'\n",
    '    <<Load balancer listeners must use HTTPS or TLS, or redirect to HTTPS>>\n',
    '  }\n',
    '}\n',
  ].join('');

  /**
   * cfn-lint (static analysis against the CloudFormation resource specification) and CloudFormation
   * Guard (policy-as-code security rules) in one CodeBuild action in the pipeline's region. The
   * project installs both itself at pinned versions: cfn-lint with pip, Guard from its GitHub
   * release archive, checked against a SHA-256.
   * @see https://docs.aws.amazon.com/cfn-guard/latest/ug/setting-up-linux.html
   */
  public static cfnLintAndGuard(options: CfnLintAndGuardOptions = {}): TemplateValidation {
    return new CfnLintAndGuard(options);
  }

  /** Short description of the checks, for the deployment plan. */
  public abstract readonly description: string;

  /**
   * Creates the CodeBuild project that runs the checks on `BindContext.templatePaths` and its action.
   * @internal
   */
  public abstract _bind(context: BindContext): PluginBinding;
}

const DEFAULT_CFN_LINT_VERSION = '1.58.0';
const DEFAULT_GUARD_VERSION = '3.2.0';
/**
 * SHA-256 of `cfn-guard-v3-x86_64-ubuntu-latest.tar.gz` of release 3.2.0, as published with the release
 * (https://github.com/aws-cloudformation/cloudformation-guard/releases/tag/3.2.0).
 */
const DEFAULT_GUARD_SHA256 = '9f8c4d9f15f7dd54a37ea70a5237ba00aba682fb1e6521a744d12259961dfc13';
const VERSION_PATTERN = /^\d+\.\d+\.\d+$/;
const GUARD_ARCHIVE = 'cfn-guard-v3-x86_64-ubuntu-latest';

class CfnLintAndGuard extends TemplateValidation {
  public readonly description: string;
  private readonly failOn: ValidationSeverity;
  private readonly cfnLintVersion: string;
  private readonly guardVersion: string;
  private readonly guardSha256: string;
  private readonly guardArchiveUrl: string;
  private readonly guardRules: string;

  constructor(options: CfnLintAndGuardOptions) {
    super();
    const what = 'TemplateValidation.cfnLintAndGuard()';
    this.cfnLintVersion = options.cfnLintVersion ?? DEFAULT_CFN_LINT_VERSION;
    this.guardVersion = options.guardVersion ?? DEFAULT_GUARD_VERSION;
    for (const [name, version] of [['cfnLintVersion', this.cfnLintVersion], ['guardVersion', this.guardVersion]]) {
      if (!VERSION_PATTERN.test(version)) {
        throw new Error(`${what}: ${name} '${version}' is not a pinned version; give MAJOR.MINOR.PATCH, for example '${name === 'guardVersion' ? DEFAULT_GUARD_VERSION : DEFAULT_CFN_LINT_VERSION}'.`);
      }
    }
    if (options.guardVersion !== undefined && options.guardVersion !== DEFAULT_GUARD_VERSION && options.guardSha256 === undefined) {
      throw new Error(`${what}: guardVersion '${options.guardVersion}' needs guardSha256, the SHA-256 of its release archive ` +
        'cfn-guard-v3-x86_64-ubuntu-latest.tar.gz, so the download can be verified.');
    }
    this.guardSha256 = options.guardSha256 ?? DEFAULT_GUARD_SHA256;
    if (!/^[0-9a-f]{64}$/.test(this.guardSha256)) {
      throw new Error(`${what}: guardSha256 '${this.guardSha256}' is not a SHA-256 (64 lowercase hexadecimal digits).`);
    }
    if (options.guardArchiveUrl !== undefined && !/^https:\/\/[^\s'"]+$/.test(options.guardArchiveUrl)) {
      throw new Error(`${what}: guardArchiveUrl '${options.guardArchiveUrl}' is not an HTTPS URL; give the https:// address of the Guard release archive.`);
    }
    this.guardArchiveUrl = options.guardArchiveUrl
      ?? `https://github.com/aws-cloudformation/cloudformation-guard/releases/download/${this.guardVersion}/${GUARD_ARCHIVE}.tar.gz`;
    this.guardRules = options.guardRules ?? TemplateValidation.DEFAULT_GUARD_RULES;
    if (this.guardRules.trim() === '') {
      throw new Error(`${what}: guardRules is empty; omit it to use TemplateValidation.DEFAULT_GUARD_RULES.`);
    }
    this.failOn = options.failOn ?? ValidationSeverity.WARNING;
    this.description = `cfn-lint ${this.cfnLintVersion} (fails on ${this.failOn}), cfn-guard ${this.guardVersion}`;
  }

  public _bind(context: BindContext): PluginBinding {
    const encryptionKey = context.stores.key(context.homeRegion);
    const project = new codebuild.PipelineProject(context.scope, 'Project', {
      // its buildspec has no `reports` section, so it creates no test report group: no report-group permissions
      // @see https://docs.aws.amazon.com/codebuild/latest/userguide/test-report-group-naming.html
      grantReportGroupPermissions: false,
      description: 'cfn-lint and CloudFormation Guard checks of the templates the pipeline deploys',
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
      timeout: Duration.minutes(20),
      encryptionKey,
      buildSpec: this.buildSpec(context.templatePaths),
    });
    if (!encryptionKey) {
      explainProjectWithoutKey(project, 'The validation only reads artifacts from');
    }
    return {
      project,
      actions: context.steps.map(named => new actions.CodeBuildAction({
        actionName: named.actionName, project, input: context.artifacts.templates, runOrder: named.step.runOrder,
      })),
    };
  }

  /** Installs both tools at pinned versions, then checks every template; any finding fails the build. */
  private buildSpec(templatePaths: string[]): codebuild.BuildSpec {
    const templates = templatePaths.map(shellQuote).join(' ');
    const archive = GUARD_ARCHIVE;
    return codebuild.BuildSpec.fromObject({
      version: '0.2',
      env: {
        variables: { GUARD_RULES: this.guardRules },
        shell: 'bash',
      },
      phases: {
        install: {
          commands: [
            // https://pypi.org/project/cfn-lint/ : a pinned release from PyPI
            `pip install --disable-pip-version-check --no-cache-dir "cfn-lint==${this.cfnLintVersion}"`,
            // https://docs.aws.amazon.com/cfn-guard/latest/ug/setting-up-linux.html : the release archive, verified
            `curl --proto '=https' --tlsv1.2 -fsSL -o /tmp/${archive}.tar.gz '${this.guardArchiveUrl}'`,
            `echo "${this.guardSha256}  /tmp/${archive}.tar.gz" | sha256sum -c -`,
            `tar -xzf /tmp/${archive}.tar.gz -C /tmp`,
            `install -m 0755 /tmp/${archive}/cfn-guard /usr/local/bin/cfn-guard`,
            'cfn-lint --version && cfn-guard --version',
          ],
        },
        build: {
          commands: [
            'printf \'%s\\n\' "$GUARD_RULES" > /tmp/rules.guard',
            `cfn-lint --non-zero-exit-code ${this.failOn} -- ${templates}`,
            // cfn-guard 3 reads only data files ending in .yaml, .yml, .json, .jsn or .template, also when a file is
            // named directly, and passes when it read none (DATA_FILE_SUPPORTED_EXTENSIONS in guard/src/commands/mod.rs,
            // https://github.com/aws-cloudformation/cloudformation-guard). Each template is checked as a copy named
            // .yaml (JSON templates are YAML too), so no template is skipped whatever its name.
            `failed=0; i=0; for t in ${templates}; do i=$((i+1)); mkdir -p "/tmp/guard/$i"; cp "$t" "/tmp/guard/$i/template.yaml" || { failed=1; continue; }; ` +
              'echo "cfn-guard: $t"; cfn-guard validate --rules /tmp/rules.guard --data "/tmp/guard/$i/template.yaml" --show-summary fail || failed=1; done; exit $failed',
          ],
        },
      },
    });
  }
}

/** A path as one shell word. */
function shellQuote(path: string): string {
  return /^[A-Za-z0-9._\/-]+$/.test(path) ? path : `'${path.replace(/'/g, '\'\\\'\'')}'`;
}

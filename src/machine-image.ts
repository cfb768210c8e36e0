import { Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { CheckedDistribution, checkDistribution } from './private/image-distribution';
import { DistributionPipelineFacts } from './private/image-distribution-checks';

/**
 * Options of a machine image built by the pipeline's build and distributed to the target regions.
 */
export interface MachineImageBuildOptions {
  /**
   * The name of the variable in which the build exports the ID of the image it built (`ami-...`):
   * the buildspec lists it under `env.exported-variables`, and the distribution reads it as
   * `#{Build.<name>}`. A shell variable name: a letter or `_`, then letters, digits and `_`, at most
   * 128 characters, not starting with `CODEBUILD_`.
   * @see https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec.env.exported-variables
   */
  readonly imageIdVariable: string;

  /**
   * The Systems Manager parameter that names the region's copy of the image, written in every region
   * that receives the image and in the pipeline's region (a `String` parameter of data type
   * `aws:ec2:image`). Templates read it as a parameter of type
   * `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>`. A name Systems Manager accepts: letters,
   * digits and `_.-`, `/` between the levels of a hierarchy (a hierarchical name starts with `/`), at
   * most 15 levels and 1,011 characters counting the parameter's ARN
   * (`arn:aws:ssm:<region>:<account>:parameter/<name>`), not starting with `aws` or `ssm`.
   * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
   */
  readonly parameterName: string;

  /**
   * How many copies to keep in each region: the one the parameter names and the newest others.
   * Older copies made by this distribution are deregistered and their snapshots deleted.
   * @default 3
   */
  readonly keepImages?: number;

  /**
   * The regions that receive the image: target regions of the pipeline.
   * @default - every target region
   */
  readonly regions?: string[];

  /**
   * Encrypt the copies. Copies of an encrypted image are always encrypted; with this set, copies of
   * an unencrypted image are encrypted too, with the region's key in `kmsKeyArns` or else the
   * region's default key for EBS encryption.
   * @default false
   */
  readonly encrypted?: boolean;

  /**
   * Customer managed KMS keys by region (key ARNs): each region's copies are encrypted with its key.
   * The key of the pipeline's region is also the key the build's image is encrypted with, if the
   * build encrypts it with a customer managed key (the copies read it). The distribution's role is
   * granted exactly what EBS encryption needs on these keys; their key policies must let the
   * account's IAM policies grant it (the default key policy does).
   * If the account's default EBS key in a region is a customer managed key, name it here for that
   * region: the role is granted only the keys named, and a copy with that default key would fail.
   * @default - no customer managed keys: copies of an encrypted image use the region's default EBS key
   * @see https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html
   * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyEbsDefaultKmsKeyId.html (the default key may be a customer managed key)
   */
  readonly kmsKeyArns?: { [region: string]: string };

  /**
   * How many regions copy at the same time. Each region's copy is a CodeBuild build in the pipeline's
   * region that runs until its copy is available; a new account's quota of concurrently running builds
   * can be as low as 1 to 20, and CodeBuild fails a build over the quota instead of queueing it (aws-cdk
   * #17744, #27335). With a limit, the `Distribute` stage runs the regions in batches (run orders 1, 2,
   * ...), the pipeline's region first.
   * @default - every region at once
   * @see https://docs.aws.amazon.com/codebuild/latest/userguide/limits.html
   */
  readonly maxParallelCopies?: number;

  /**
   * How long copying the image to one region may take (the wait included). Copies take from minutes
   * to hours depending on the size of the snapshots and on EC2's load. 5 minutes to 8 hours: CodeBuild
   * allows builds of up to 36 hours, but CodePipeline has been documented to end a CodeBuild action
   * after 8 hours.
   * @default Duration.hours(3)
   */
  readonly timeout?: Duration;
}

/**
 * A machine image (AMI) built once and distributed to the regions that deploy it: after the build
 * and the validation, a `Distribute` stage copies the image to each region (side by side, one
 * action per region), waits until each copy is available, writes its ID into the region's Systems
 * Manager parameter, and deregisters copies beyond `keepImages`. Deploy stages start after it.
 */
export abstract class MachineImageDistribution {
  /**
   * The image the pipeline's build bakes (with Packer, EC2 Image Builder's API or anything else) and
   * whose ID it exports in a build variable.
   */
  public static fromBuild(options: MachineImageBuildOptions): MachineImageDistribution {
    return new BuildImageDistribution(options);
  }

  /** The Systems Manager parameter that names the image in each region. */
  public abstract readonly parameterName: string;

  /**
   * Checks the options against the pipeline (its build, targets and region); throws a validation
   * error naming what is wrong.
   * @internal
   */
  public abstract _check(scope: IConstruct, owner: string, pipeline: DistributionPipelineFacts): CheckedDistribution;
}

class BuildImageDistribution extends MachineImageDistribution {
  public readonly parameterName: string;

  constructor(private readonly options: MachineImageBuildOptions) {
    super();
    this.parameterName = options.parameterName;
  }

  public _check(scope: IConstruct, owner: string, pipeline: DistributionPipelineFacts): CheckedDistribution {
    return checkDistribution(this.options, scope, owner, pipeline);
  }
}

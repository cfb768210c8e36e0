import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';

/**
 * Options of the regional-pipelines topology.
 */
export interface RegionalPipelinesOptions {
  /**
   * How each regional pipeline handles a release that arrives while another one is deploying or
   * waiting for the region's window. With SUPERSEDED a newer execution supersedes an older one
   * waiting to enter a stage, so the newest release is the one deployed; AWS does not document how
   * an execution held by a closed window's entry condition is treated, and the library claims
   * nothing about it.
   * @default codepipeline.ExecutionMode.SUPERSEDED
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts-how-it-works.html
   */
  readonly executionMode?: codepipeline.ExecutionMode;
}

/**
 * How the pipeline is laid out across regions: one pipeline that deploys every region stage after
 * stage (the default), or a home pipeline that builds and publishes the release and a pipeline in
 * every target region that deploys it there, independently of the other regions.
 */
export class DeliveryTopology {
  /**
   * One pipeline in the pipeline's region: Source, Build, Validate, then the deploy stages of every
   * region, one after another (a region waiting for its window holds the regions after it).
   */
  public static singlePipeline(): DeliveryTopology {
    return new DeliveryTopology('single pipeline');
  }

  /**
   * A home pipeline (in the pipeline's region): Source, Build, Validate, then `Publish`, which copies
   * the release (the build output, or the source without a build) into every target region's
   * artifact store; and in every target region a pipeline of its own, in a stack of that region,
   * started by the release's arrival (an EventBridge rule in the region), that deploys the region's
   * targets behind the region's window and gates. No region waits for another. Regions without
   * CodePipeline are still deployed by the home pipeline, through CodeBuild, after `Publish`.
   */
  public static regionalPipelines(options?: RegionalPipelinesOptions): DeliveryTopology {
    return new DeliveryTopology('regional pipelines', options ?? {});
  }

  /** The topology in words: `single pipeline` or `regional pipelines`. */
  public readonly description: string;

  /**
   * The options of the regional topology.
   * @internal
   */
  public readonly _regional?: RegionalPipelinesOptions;

  private constructor(description: string, regional?: RegionalPipelinesOptions) {
    this.description = description;
    this._regional = regional;
  }
}

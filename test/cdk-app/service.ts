import * as path from 'path';
import { App, Stack, Stage, StageProps } from 'aws-cdk-lib';
import * as ecr_assets from 'aws-cdk-lib/aws-ecr-assets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** A stack with a bucket, which the service stack refers to (so the service depends on it). */
export class DataStack extends Stack {
  public readonly bucket: s3.Bucket;
  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', { enforceSSL: true });
  }
}

/** A stack with a Lambda function with code (a file asset) and a container image asset. */
export class ServiceStack extends Stack {
  public readonly image: ecr_assets.DockerImageAsset;
  constructor(scope: Construct, id: string, props: { bucket: s3.IBucket }) {
    super(scope, id);
    new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'handler')),
      environment: { BUCKET: props.bucket.bucketName },
    });
    // staging copies the directory; nothing is built at synthesis (cdk-assets builds it when publishing)
    this.image = new ecr_assets.DockerImageAsset(this, 'Image', { directory: path.join(__dirname, 'image') });
  }
}

/** A stage of two dependent stacks (Service after Data) in `region`. */
export function serviceStage(app: App, id: string, region: string, props: Omit<StageProps, 'env'> & { account?: string } = {}): Stage {
  const stage = new Stage(app, id, { env: { account: props.account ?? '111111111111', region } });
  const data = new DataStack(stage, 'Data');
  new ServiceStack(stage, 'Service', { bucket: data.bucket });
  return stage;
}

import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

// The Express example as a container image function, from an image already in ECR: pushed by
// `lwa-pack image --base ... --push` (no Docker), or built from the Dockerfile and pushed.
export class ExpressImageStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const repo = ecr.Repository.fromRepositoryName(this, 'Repo', 'express-lwa');
    const fn = new lambda.DockerImageFunction(this, 'Express', {
      // With Docker instead: lambda.DockerImageCode.fromImageAsset(path.join(__dirname, '..', '..'))
      code: lambda.DockerImageCode.fromEcr(repo, { tagOrDigest: '1-lambda' }),
      architecture: lambda.Architecture.X86_64,
      memorySize: 512,
      timeout: Duration.seconds(10),
    });

    const url = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    new CfnOutput(this, 'FunctionUrl', { value: url.url });
  }
}

import * as path from 'node:path';
import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

// The Express example as a zip function: the Node.js runtime, the adapter layer, run.sh as handler.
export class ExpressZipStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Publish the layer once (lwa-pack layer, then the SAM template it writes, or
    // `aws lambda publish-layer-version`), then: cdk deploy -c adapterLayerArn=arn:aws:lambda:...
    const adapter = lambda.LayerVersion.fromLayerVersionArn(
      this, 'LambdaAdapter', this.node.getContext('adapterLayerArn'));

    const fn = new lambda.Function(this, 'Express', {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.X86_64,
      // examples/express after `npm ci --omit=dev`; the zip keeps run.sh's exec bit.
      code: lambda.Code.fromAsset(path.join(__dirname, '..', '..'), {
        exclude: ['deploy', 'Dockerfile', 'README.md', 'template.yaml'],
      }),
      handler: 'run.sh',
      layers: [adapter],
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: {
        AWS_LAMBDA_EXEC_WRAPPER: '/opt/bootstrap',
      },
    });

    const url = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    new CfnOutput(this, 'FunctionUrl', { value: url.url });
  }
}

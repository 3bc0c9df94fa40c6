import { App } from 'aws-cdk-lib';
import { ExpressImageStack } from './image-stack';
import { ExpressZipStack } from './zip-stack';

// `npm run synth` (or `cdk deploy` with cdk.json) writes both stacks'
// templates to cdk.out. The zip stack needs the layer's ARN: -c adapterLayerArn=... with the cdk CLI.
const app = new App();
new ExpressZipStack(app, 'ExpressZip');
new ExpressImageStack(app, 'ExpressImage');
app.synth();

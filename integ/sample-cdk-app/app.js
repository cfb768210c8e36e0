/**
 * The app the pipeline's build synthesizes (`node app.js`): the service's stages only, written to
 * cdk.out. The pipeline itself is defined by the integration test, which builds the same stages.
 */
const { App } = require('aws-cdk-lib');
const { serviceStage } = require('./service');

const account = process.env.SERVICE_ACCOUNT;
const regions = (process.env.SERVICE_REGIONS || '').split(' ').filter(r => r);
// the stacks' and function's name (service.js's default unless given)
const name = process.env.SERVICE_NAME || undefined;
const app = new App({ outdir: 'cdk.out' });
regions.forEach(region => serviceStage(app, account, region, name));
app.synth();

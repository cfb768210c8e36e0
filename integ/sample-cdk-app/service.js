/**
 * The sample CDK application of integ.cdk-app-three-regions and integ.cdk-app-regional: one stage per region, each with one
 * stack holding a Lambda function with code (a file asset, which the pipeline must publish to each
 * region's bootstrap bucket before it deploys there).
 *
 * Plain JavaScript, so the pipeline's build runs it with `node app.js` after `npm install`, and the
 * integration test builds the same stages (same construct IDs, so the same template paths in the
 * cloud assembly) in its own app.
 */
const path = require('path');
const { Stack, Stage } = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');

/** The function's name in every region (the default service name). */
const FUNCTION_NAME = 'mrdp-integ-cdk-app';

/**
 * The stage of `region` (construct ID from the region: `us-east-1` gives `UsEast1`); its stack is
 * `<name>-<region>` and its function `<name>`, so two integration tests can deploy side by side.
 */
function serviceStage(app, account, region, name = FUNCTION_NAME) {
  const id = region.split('-').map(part => part.charAt(0).toUpperCase() + part.slice(1)).join('');
  const stage = new Stage(app, id, { env: { account, region } });
  const stack = new Stack(stage, 'Service', { stackName: `${name}-${region}` });
  new lambda.Function(stack, 'Function', {
    functionName: name,
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(__dirname, 'handler')),
  });
  return stage;
}

module.exports = { FUNCTION_NAME, serviceStage };

// Answers with the region it runs in, so the integration test can tell each region's copy apart.
exports.handler = async () => ({ service: 'sample-cdk-app', region: process.env.AWS_REGION });

// The example service's function: answers with the region it runs in.
exports.handler = async () => ({ service: 'service-x', region: process.env.AWS_REGION });

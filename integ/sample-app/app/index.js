// Answers with the region the function runs in, so a test can tell the regions apart.
exports.handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ service: 'sample-app', region: process.env.AWS_REGION }),
});

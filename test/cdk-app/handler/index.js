// Test fixture: a Lambda handler that answers with its region.
exports.handler = async () => ({ statusCode: 200, body: process.env.AWS_REGION });

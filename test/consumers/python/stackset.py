"""The stack set example (example/stackset.ts), written in Python against the wheel that jsii-pacmak
builds (dist/python/): one template, the job queue of service-x, deployed as a self-managed stack
set to three regions, one region after another, from a pipeline in us-west-2. It must synthesize
exactly the same templates, and print the same plan, as the TypeScript example;
test/consumers/compare.py checks that.

    python stackset.py OUTDIR        (RELEASE_START=2026-11-20T12:00:00Z fixes the schedule's start)
"""
import sys

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from cdk_multi_region_delivery_pipeline import (
    MultiRegionDeliveryPipeline,
    PipelineBuild,
    PipelineSource,
    RegionTarget,
    TemplateValidation,
)

from output import iso, print_stacks, release_start


def stack_set_example_app(outdir):
    """The stack set example app, synthesizing into `outdir`, and its pipeline."""
    app = App(outdir=outdir)
    stack = Stack(app, "DeliveryPipeline", env=Environment(account="111111111111", region="us-west-2"))

    source_bucket = s3.Bucket(
        stack,
        "SourceBucket",
        versioned=True,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    )

    # one region after another, in this order (the CloudFormationStackSet action's only order)
    regions = ["eu-west-1", "eu-central-1", "ap-southeast-2"]

    # what the template (an SQS queue named service-x-jobs) creates, granted to the stack set's
    # execution role and nothing else: the SQS actions of a queue's life cycle, on that queue in each region
    deploy_policy = iam.ManagedPolicy(
        stack,
        "DeployPolicy",
        description="What the service-x-jobs stack set creates in each region",
        statements=[iam.PolicyStatement(
            actions=[
                "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes",
                "sqs:ListQueueTags", "sqs:TagQueue", "sqs:UntagQueue",
            ],
            resources=[f"arn:aws:sqs:{region}:111111111111:service-x-jobs" for region in regions],
        )],
    )

    pipeline = MultiRegionDeliveryPipeline(
        stack,
        "Pipeline",
        source=PipelineSource.s3(bucket=source_bucket, object_key="service-x/source.zip"),
        # the buildspec.yml in the zip writes stackset.template.yaml
        build_step=PipelineBuild.code_build(),
        validation=TemplateValidation.cfn_lint_and_guard(),
        targets=[
            RegionTarget.stack_set(
                stack_set_name="service-x-jobs",
                description="The job queue of service-x",
                template_path="stackset.template.yaml",
                regions=regions,
                parameters={"RetentionPeriodSeconds": "1209600"},
                deployment_managed_policies=[deploy_policy],
                # eu-west-1 first, then a person approves the other two regions
                initial_region_count=1,
                approval=True,
                # every account of a region at once (here one: the pipeline's), and the first failure stops
                max_concurrent_percentage=100,
                failure_tolerance_percentage=0,
            ),
        ],
    )
    return app, pipeline


def main(outdir):
    app, pipeline = stack_set_example_app(outdir)
    print_stacks(app.synth())
    plan = pipeline.plan
    print(f"\nDeployment plan (critical path: {plan.critical_path} sequential steps)\n")
    print(plan.to_table())
    now = release_start()
    print(f"If a release started now ({iso(now)}), each stage would start at the earliest:\n")
    print(plan.to_schedule_table(now))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: stackset.py OUTDIR")
    main(sys.argv[1])

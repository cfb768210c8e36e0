"""The three-region example pipeline of example/main.ts (and, with `regional=True`, the same targets
as regional pipelines, example/regional.ts: see regional.py), written in Python against the wheel
that jsii-pacmak builds (dist/python/). It must synthesize exactly the same templates as the
TypeScript example; test/consumers/compare.py checks that.

    python app.py OUTDIR        (RELEASE_START=2026-11-20T12:00:00Z fixes the schedule's start)
"""
import sys

from aws_cdk import App, CfnCapabilities, Duration, Environment, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_s3 as s3
from cdk_multi_region_delivery_pipeline import (
    DeliveryTopology,
    DeploymentGates,
    DeploymentWindow,
    InfrastructureStackProps,
    MultiRegionDeliveryPipeline,
    PipelineBuild,
    PipelineSource,
    RegionTarget,
    Rollout,
    RolloutWave,
    TemplateValidation,
)

from output import iso, print_stacks, release_start


def example_app(outdir, regional=False):
    """The example app, synthesizing into `outdir`, and its pipeline. With `regional`, the same
    targets as regional pipelines: each region deploys on its own, as soon as the release arrives and
    its window opens, so there are no waves (a canary goes first by its window instead)."""
    app = App(outdir=outdir)
    stack = Stack(app, "DeliveryPipeline", env=Environment(account="111111111111", region="us-west-2"))

    source_bucket = s3.Bucket(
        stack,
        "SourceBucket",
        versioned=True,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    )

    capabilities = [CfnCapabilities.AUTO_EXPAND, CfnCapabilities.NAMED_IAM]

    pipeline = MultiRegionDeliveryPipeline(
        stack,
        "Pipeline",
        source=PipelineSource.s3(bucket=source_bucket, object_key="service-x/source.zip"),
        build_step=PipelineBuild.code_build(
            # package the template once per region, into that region's artifact store
            build_spec=codebuild.BuildSpec.from_object({
                "version": "0.2",
                "phases": {
                    "build": {
                        "commands": [
                            "for region in $TARGET_REGIONS; do "
                            'var="ARTIFACT_BUCKET_$(echo $region | tr a-z- A-Z_)"; '
                            'aws cloudformation package --region "$region" --template-file template.yaml '
                            '--s3-bucket "$(printenv $var)" --output-template-file "$region.template.yaml"; '
                            "done",
                        ],
                    },
                },
                "artifacts": {"files": ["*.template.yaml", "network.yaml"]},
            }),
        ),
        # cfn-lint and CloudFormation Guard check every template before any region is touched
        validation=TemplateValidation.cfn_lint_and_guard(),
        # a failed region is rolled back to its last successful deployment
        default_gates=DeploymentGates(rollback_on_failure=True),
        # regional pipelines (a pipeline per region, no waves), or one pipeline in which us-east-1 goes
        # first and is watched for 30 minutes before the other regions may start (None: left out)
        topology=DeliveryTopology.regional_pipelines() if regional else None,
        rollout=None if regional else Rollout.waves([
            RolloutWave(name="canary", regions=["us-east-1"], bake_time=Duration.minutes(30)),
            RolloutWave(name="rest"),
        ]),
        targets=[
            RegionTarget.cloud_formation(
                region="us-east-1",
                stack_name="service-x",
                template_path="us-east-1.template.yaml",
                capabilities=capabilities,
                gates=DeploymentGates(
                    rollback_on_failure=True,
                    alarms=[cloudwatch.Alarm.from_alarm_arn(stack, "CanaryErrors", "arn:aws:cloudwatch:us-east-1:111111111111:alarm:service-x-errors")],
                ),
            ),
            # follow the night: Sydney's night comes first, then Dublin's
            RegionTarget.cloud_formation(
                region="ap-southeast-2",
                stack_name="service-x",
                template_path="ap-southeast-2.template.yaml",
                capabilities=capabilities,
                window=DeploymentWindow.daily(start_hour=1, end_hour=5, time_zone="Australia/Sydney"),
            ),
            RegionTarget.cloud_formation(
                region="eu-west-1",
                stack_name="service-x",
                template_path="eu-west-1.template.yaml",
                capabilities=capabilities,
                infrastructure=InfrastructureStackProps(stack_name="service-x-network", template_path="network.yaml"),
                approval=True,
                window=DeploymentWindow.cron("* * 1-4 ? * MON-FRI *", "Europe/Dublin"),
            ),
        ],
    )

    return app, pipeline


def main(outdir):
    app, pipeline = example_app(outdir)
    print_stacks(app.synth())
    print(f"Plan file: {pipeline.plan_file}")
    plan = pipeline.plan
    print(f"\nDeployment plan (critical path: {plan.critical_path} sequential steps)\n")
    print(plan.to_table())
    now = release_start()
    print(f"If a release started now ({iso(now)}), each stage would start at the earliest:\n")
    print(plan.to_schedule_table(now))
    print("The plan as a Mermaid flowchart (plan.toMermaid()):\n")
    print(plan.to_mermaid())
    print("The schedule as a Mermaid Gantt chart (plan.toGantt(now)):\n")
    print(plan.to_gantt(now))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: app.py OUTDIR")
    main(sys.argv[1])

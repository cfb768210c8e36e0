"""The three-region example pipeline of example/main.ts, written in Python against the wheel that
jsii-pacmak builds (dist/python/). It must synthesize exactly the same templates as the TypeScript
example; test/consumers/compare.py checks that.

    python app.py OUTDIR        (RELEASE_START=2026-11-20T12:00:00Z fixes the schedule's start)
"""
import os
import sys
from datetime import datetime, timezone

from aws_cdk import App, CfnCapabilities, Duration, Environment, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_s3 as s3
from cdk_multi_region_delivery_pipeline import (
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

if len(sys.argv) != 2:
    sys.exit("usage: app.py OUTDIR")

app = App(outdir=sys.argv[1])
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
    # us-east-1 goes first, and is watched for 30 minutes before the other regions may start
    rollout=Rollout.waves([
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

assembly = app.synth()
print(f"Synthesized {len(assembly.stacks)} stacks into {assembly.directory}:")
for s in assembly.stacks:
    print(f"  {s.stack_name:<42} {s.environment.region}")
print(f"Plan file: {pipeline.plan_file}")
plan = pipeline.plan
print(f"\nDeployment plan (critical path: {plan.critical_path} sequential steps)\n")
print(plan.to_table())
release_start = os.environ.get("RELEASE_START")
now = (datetime.fromisoformat(release_start.replace("Z", "+00:00")) if release_start
       else datetime.now(timezone.utc)).astimezone(timezone.utc)
iso = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
print(f"If a release started now ({iso}), each stage would start at the earliest:\n")
print(plan.to_schedule_table(now))
print("The plan as a Mermaid flowchart (plan.toMermaid()):\n")
print(plan.to_mermaid())
print("The schedule as a Mermaid Gantt chart (plan.toGantt(now)):\n")
print(plan.to_gantt(now))

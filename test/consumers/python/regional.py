"""The example's targets as regional pipelines (example/regional.ts), written in Python: the same
app as app.py with `DeliveryTopology.regional_pipelines()`. It must synthesize exactly the same
templates, and print the same plan, as the TypeScript example; test/consumers/compare.py checks that.

    python regional.py OUTDIR        (RELEASE_START=2026-11-20T12:00:00Z fixes the schedule's start)
"""
import sys

from app import example_app
from output import iso, print_stacks, release_start


def main(outdir):
    app, pipeline = example_app(outdir, regional=True)
    print_stacks(app.synth())
    plan = pipeline.plan
    print(f"\nDeployment plan (critical path: {plan.critical_path} sequential steps)\n")
    print(plan.to_table())
    now = release_start()
    print(f"If a release started now ({iso(now)}), each region's pipeline would start each stage at the earliest:\n")
    print(plan.to_schedule_table(now))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: regional.py OUTDIR")
    main(sys.argv[1])

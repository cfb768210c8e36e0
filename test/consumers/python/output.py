"""What the consumer programs print, as the TypeScript examples print it: the synthesized stacks, and
the start of the "if a release started now" schedule (RELEASE_START when it is set, so that the
printed plans can be compared with TypeScript's)."""
import os
from datetime import datetime, timezone


def print_stacks(assembly):
    print(f"Synthesized {len(assembly.stacks)} stacks into {assembly.directory}:")
    for s in assembly.stacks:
        print(f"  {s.stack_name:<52} {s.environment.region}")


def release_start():
    """RELEASE_START (ISO 8601), or now; in UTC."""
    value = os.environ.get("RELEASE_START")
    now = datetime.fromisoformat(value.replace("Z", "+00:00")) if value else datetime.now(timezone.utc)
    return now.astimezone(timezone.utc)


def iso(moment):
    """As JavaScript's Date#toISOString() writes it (milliseconds, Z)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

package io.github.cdkmultiregion.consumer;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.cxapi.CloudFormationStackArtifact;

/**
 * What the consumer programs print, as the TypeScript examples print it: the synthesized stacks, and
 * the start of the "if a release started now" schedule (RELEASE_START when it is set, so that the
 * printed plans can be compared with TypeScript's).
 */
final class Output {
  private Output() {
  }

  static void printStacks(final CloudAssembly assembly) {
    System.out.printf("Synthesized %d stacks into %s:%n", assembly.getStacks().size(), assembly.getDirectory());
    for (CloudFormationStackArtifact s : assembly.getStacks()) {
      System.out.printf("  %-52s %s%n", s.getStackName(), s.getEnvironment().getRegion());
    }
  }

  /** RELEASE_START (ISO 8601), or now. */
  static Instant releaseStart() {
    String releaseStart = System.getenv("RELEASE_START");
    return releaseStart != null && !releaseStart.isEmpty() ? Instant.parse(releaseStart) : Instant.now();
  }

  /** As JavaScript's Date#toISOString() writes it (milliseconds, Z). */
  static String iso(final Instant moment) {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC).format(moment);
  }
}

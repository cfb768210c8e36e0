package io.github.cdkmultiregion.consumer;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs several of the consumer programs in one JVM (one JVM and one jsii kernel start instead of one
 * per program), each into WORK/&lt;program&gt;/cdk.out with what it prints in
 * WORK/&lt;program&gt;/stdout.txt. Prints {@code PASS <program>} or {@code FAIL <program>} for each (a
 * failure's stack trace goes to stderr, and the other programs still run); exits 1 when one failed.
 *
 * <p>Arguments: WORK PROGRAM... (programs: example regional stackset).
 */
public final class SynthAll {
  private static final Map<String, Consumer<String>> PROGRAMS = new LinkedHashMap<>();

  static {
    PROGRAMS.put("example", ExampleApp::run);
    PROGRAMS.put("regional", RegionalApp::run);
    PROGRAMS.put("stackset", StackSetApp::run);
  }

  private SynthAll() {
  }

  private static boolean run(final Path work, final String name) {
    Consumer<String> program = PROGRAMS.get(name);
    if (program == null) {
      System.err.printf("SynthAll: unknown program %s; known: %s%n", name, String.join(", ", PROGRAMS.keySet()));
      return false;
    }
    PrintStream stdout = System.out;
    Path directory = work.resolve(name);
    try {
      Files.createDirectories(directory);
      try (PrintStream out = new PrintStream(new FileOutputStream(directory.resolve("stdout.txt").toFile()), true, StandardCharsets.UTF_8)) {
        System.setOut(out);
        program.accept(directory.resolve("cdk.out").toString());
      }
      return true;
    } catch (IOException | RuntimeException e) {
      // any failure of a program is reported, and the others still run
      System.err.printf("SynthAll: %s failed:%n", name);
      e.printStackTrace();
      return false;
    } finally {
      System.setOut(stdout);
    }
  }

  public static void main(final String[] args) {
    if (args.length < 2) {
      throw new IllegalArgumentException("usage: SynthAll WORK PROGRAM...");
    }
    Path work = Path.of(args[0]);
    Map<String, Boolean> results = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      results.put(args[i], run(work, args[i]));
    }
    results.forEach((name, ok) -> System.out.printf("%s %s%n", ok ? "PASS" : "FAIL", name));
    System.out.flush();
    if (results.containsValue(false)) {
      System.exit(1);
    }
  }
}

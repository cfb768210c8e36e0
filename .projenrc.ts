import { awscdk, javascript, DependencyType, JsonFile } from 'projen';

// Versions measured to work together on this toolchain: see ../shared/TOOLCHAIN.md.
const CDK_DEV_VERSION = '2.257.0'; // newest aws-cdk-lib whose cloud assembly integ-runner 2.197.10 reads
const CDK_MIN_VERSION = '2.186.0'; // stage conditions (beforeEntry/onSuccess/onFailure) exist since 2.186.0
// the lowest constructs the floor check (test/fresh-app/run.sh) installs; newest aws-cdk-lib needs ^10.5.0
const CONSTRUCTS_MIN_VERSION = '10.5.1';
const NODE_MIN_VERSION = '20.0.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-multi-region-delivery-pipeline',
  description:
    'An AWS CDK construct that builds once and ships the same revision to many AWS regions through CodePipeline: ' +
    'per-region artifact stores, CloudFormation change sets, deployment windows and a deployment plan.',
  keywords: ['cdk', 'awscdk', 'codepipeline', 'multi-region', 'cloudformation', 'deployment'],
  author: 'cdk-multi-region-delivery-pipeline contributors',
  authorAddress: 'maintainers@cdkmultiregion.github.io',
  repositoryUrl: 'https://github.com/cdkmultiregion/cdk-multi-region-delivery-pipeline.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  projenVersion: '0.103.25',

  cdkVersion: CDK_MIN_VERSION,
  constructsVersion: CONSTRUCTS_MIN_VERSION,
  // engines: the Node line CI runs (.ci/run, test/fresh-app); aws-cdk-lib's newest releases need >= 20 too
  minNodeVersion: NODE_MIN_VERSION,
  jsiiVersion: '~6.0.16',
  typescriptVersion: '^6.0.3',
  // the devDependency is the version we develop and test with, not the peer floor (added below)
  peerDependencyOptions: { pinnedDevDependency: false },

  // CI is a plain script (.ci/run); no GitHub workflows, no release workflow.
  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  publishToPypi: {
    distName: 'cdk-multi-region-delivery-pipeline',
    module: 'cdk_multi_region_delivery_pipeline',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkmultiregion.deliverypipeline',
    mavenGroupId: 'io.github.cdkmultiregion',
    mavenArtifactId: 'cdk-multi-region-delivery-pipeline',
  },

  jestOptions: {
    jestVersion: '^29',
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/test/consumers/'],
      // records every synthesized template for the template-checks task (test/setup/record-templates.ts)
      setupFilesAfterEnv: ['<rootDir>/test/setup/record-templates.ts'],
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'integ', 'example', 'bench', 'projenrc'],
    // one type-checked program for everything linted (src, tests, integ tests, example, projenrc)
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
  },

  // Evaluates deployment-window crons (Quartz weekdays, L/W/#, seconds and year fields, IANA time zones).
  bundledDeps: ['croner@11.0.1'],

  devDeps: [
    '@aws-cdk/integ-runner@2.197.10',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    'cdk-nag@2.38.2',
    'jsii-pacmak@1.140.0',
    'jsii-docgen@10.12.6',
    'jsii-rosetta@~6.0.17',
    'ts-jest@^29.4.15',
    '@types/jest@^29.5.14',
    '@types/node@^20',
    'ts-node@^10.9.2',
    // tests parse the plan's diagrams with Mermaid itself (ESM, run in a child node process with a
    // jsdom window for its DOMPurify); mermaid 12 needs Node 22, so 11.x
    'mermaid@11.17.2',
    'jsdom@26.1.0',
  ],
  gitignore: [
    'cdk.out/',
    '**/cdk.out/',
    // asset bodies are not needed to verify a snapshot (TOOLCHAIN.md); keep the repository small
    'integ/**/*.snapshot/asset.*',
    // the deployment plan written at synthesis holds the schedule of a release started "now"
    'integ/**/*.snapshot/*.plan.md',
    '.cdk.staging/',
    // consumer apps of the Python and Java bindings (test/consumers/run.sh)
    'test/consumers/python/.venv/',
    'test/consumers/java/target/',
    'test/consumers/java/.m2-repo/',
    '__pycache__/',
  ],
});

// Develop and test against a newer aws-cdk-lib than the peer floor.
project.deps.addDependency(`aws-cdk-lib@${CDK_DEV_VERSION}`, DependencyType.BUILD);
project.deps.addDependency(`constructs@${CONSTRUCTS_MIN_VERSION}`, DependencyType.BUILD);

// The npm tarball is an allow-list: the compiled library, its jsii assembly and docs, and what npm always
// ships (package.json, README.md, LICENSE) and bundles (node_modules/croner). Everything else (integ/ and
// its snapshots, example/, bench/, .ci/, tsconfig.dev.json, ...) stays out; test/package.test.ts
// compares `npm pack --dry-run` with this list.
project.npmignore?.exclude('/*', '/.*');
project.npmignore?.include('/lib/', '/.jsii', '/API.md', '/README.md', '/LICENSE');
// projen adds this unversioned; 3.9+ pulls unrs-resolver whose bindings the registry here lacks.
project.deps.removeDependency('eslint-import-resolver-typescript', DependencyType.BUILD);
project.deps.addDependency('eslint-import-resolver-typescript@~3.8.7', DependencyType.BUILD);

// A type check of everything that is not compiled by jsii (tests, integ tests, example, bench).
new JsonFile(project, 'tsconfig.dev.json', {
  obj: {
    extends: './tsconfig.json',
    compilerOptions: {
      noEmit: true,
      rootDir: '.',
      stripInternal: false,
    },
    include: ['src/**/*.ts', 'test/**/*.ts', 'integ/**/*.ts', 'example/**/*.ts', 'bench/**/*.ts', 'projenrc/**/*.ts', '.projenrc.ts'],
    exclude: ['node_modules', '**/*.snapshot/**', 'test/consumers/**', '**/cdk.out/**'],
  },
  marker: false,
});

const integEnv = {
  // types are checked by the typecheck task; transpile-only cuts integ-runner's time by two thirds
  TS_NODE_TRANSPILE_ONLY: 'true',
  JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20',
};
const integRunner = 'integ-runner --language typescript --directory integ';

const typecheck = project.addTask('typecheck', {
  description: 'Type-check src, tests, integ tests and the example',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});
// Every template the unit tests synthesize (recorded by test/setup/record-templates.ts) is checked
// against CodePipeline's API model and with cfn-lint after jest, not only those a test checks itself.
const templateChecks = project.addTask('template-checks', {
  description: 'Check every template the unit tests synthesized with CodePipeline\'s API model and cfn-lint (after jest)',
  env: { TS_NODE_TRANSPILE_ONLY: 'true' },
  exec: 'ts-node test/checks/recorded-templates.ts',
});
project.testTask.prependExec('rm -rf test-reports/templates');
const integ = project.addTask('integ', {
  description: 'Verify the committed integration test snapshots (no deploy)',
  env: integEnv,
  exec: integRunner,
});
project.addTask('integ:snapshot', {
  description: 'Re-create integration test snapshots without deploying',
  env: integEnv,
  exec: `${integRunner} --update-on-failed --dry-run --force`,
});
project.addTask('integ:deploy', {
  description: 'Deploy the integration tests to a real account, run their assertions and destroy them (needs AWS credentials)',
  env: integEnv,
  exec: `${integRunner} --update-on-failed`,
  receiveArgs: true,
});
project.addTask('bench', {
  description: 'Benchmark this pipeline against CDK Pipelines at 3, 10, 20 and 33 regions (prints a markdown table)',
  env: { TS_NODE_TRANSPILE_ONLY: 'true', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
  exec: 'ts-node bench/bench.ts',
  receiveArgs: true,
});
project.addTask('example', {
  description: 'Synthesize the three-region example pipeline and print its deployment plan',
  env: { TS_NODE_TRANSPILE_ONLY: 'true' },
  exec: 'ts-node example/main.ts',
  receiveArgs: true,
});

project.addTask('readme:diagrams', {
  description: 'Rewrite the README\'s Mermaid diagrams of the example pipeline (test/readme-diagrams.test.ts fails when they drift)',
  env: { TS_NODE_TRANSPILE_ONLY: 'true' },
  exec: 'ts-node example/readme-diagrams.ts',
});

// Python and Java consumer apps of the jsii-pacmak packages: same templates as example/main.ts (issue #7),
// example/regional.ts (#14) and example/stackset.ts (#16).
project.addTask('consumers', {
  description: 'Build the Python and Java packages, synthesize the examples (pipeline, regional pipelines, stack set) from Python and Java apps ' +
    'and compare the templates and plans with TypeScript\'s (--skip-package to reuse dist/)',
  exec: 'bash test/consumers/run.sh',
  receiveArgs: true,
});
// jsii-rosetta extracts examples from assemblies only; the script gives each markdown file a temporary
// assembly of its own. Needs the compiled .jsii (npx projen compile).
project.addTask('rosetta', {
  description: 'Compile the TypeScript examples of README.md and docs/*.md (jsii-rosetta extract --strict) and check their Python/Java translations (--update rewrites them)',
  env: { TS_NODE_TRANSPILE_ONLY: 'true', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
  exec: 'ts-node test/rosetta/extract-docs.ts',
  receiveArgs: true,
});

// The README's sample output is what `npx projen example` prints (with a fixed RELEASE_START); CI runs this.
project.addTask('readme:example', {
  description: 'Check that the sample output in README.md is what the example prints (--update rewrites it)',
  env: { TS_NODE_TRANSPILE_ONLY: 'true', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
  exec: 'ts-node test/readme/example-output.ts',
  receiveArgs: true,
});

// We develop and test on a newer aws-cdk-lib than the peer floor, on purpose (see the top of this file).
project.compileTask.reset('jsii --silence-warnings=reserved-word --silence-warnings=metadata/missing-dev-dependency');

project.testTask.spawn(templateChecks);
project.testTask.spawn(typecheck);
project.testTask.spawn(integ);

project.synth();

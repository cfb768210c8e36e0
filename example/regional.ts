/**
 * Synthesizes the example's targets as regional pipelines (example/app.ts with
 * `DeliveryTopology.regionalPipelines()`) into example/cdk.out/regional-pipelines, or into the
 * directory given as the first argument, and prints the plan: a home pipeline that builds, validates
 * and publishes the release, and a pipeline in every target region. The schedule starts at
 * RELEASE_START when it is set, so the output can be compared.
 * Run it with `npx ts-node example/regional.ts [OUTDIR]`; test/consumers/run.sh compares it with the
 * Python and Java versions of the same program.
 */
import { exampleApp } from './app';
import { synthesizeAndPrint } from './output';

const { app, pipeline } = exampleApp(process.argv[2] ?? `${__dirname}/cdk.out/regional-pipelines`, { regional: true });
synthesizeAndPrint(app, pipeline, { scheduleSubject: 'each region\'s pipeline would start each stage' });

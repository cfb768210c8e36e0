/**
 * Synthesizes the stack set example (example/stackset-app.ts) into example/cdk.out/stackset, or into
 * the directory given as the first argument, and prints its deployment plan and schedule (from
 * RELEASE_START when it is set, so the output can be compared). Run it with
 * `npx ts-node example/stackset.ts [OUTDIR]`; test/consumers/run.sh compares it with the Python and
 * Java versions of the same program.
 */
import { synthesizeAndPrint } from './output';
import { stackSetExampleApp } from './stackset-app';

const { app, pipeline } = stackSetExampleApp(process.argv[2] ?? `${__dirname}/cdk.out/stackset`);
synthesizeAndPrint(app, pipeline);

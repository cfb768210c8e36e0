import * as fs from 'fs';
import * as path from 'path';
import { COMMERCIAL_REGIONS, RegionService, offers } from '../src/private/region-services';

/** The README's region table, as src/private/region-services.ts gives it. */
function regionTable(): string {
  const services: RegionService[] = ['codepipeline', 'codestar-connections', 'codebuild', 'codedeploy', 'cloudformation'];
  const yes = (service: RegionService, region: string) => offers(service, region) ? 'yes' : '**no**';
  return [
    '| region | CodePipeline | CodeConnections | CodeBuild | CodeDeploy | CloudFormation | CloudFormation target delivered by |',
    '|---|---|---|---|---|---|---|',
    ...COMMERCIAL_REGIONS.map(region => `| ${region} | ${services.map(s => yes(s, region)).join(' | ')} | ` +
      `${offers('codepipeline', region) ? 'CodePipeline' : '**CodeBuild route**'} |`),
  ].join('\n');
}

test('the README\'s region table is the one the module gives (regenerate it from this test when the module changes)', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
  expect(readme).toContain(regionTable());
});

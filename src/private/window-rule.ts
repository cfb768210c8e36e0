import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import { DeploymentWindow } from '../deployment-window';

/**
 * A condition holds 1 to 5 rules.
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_Condition.html
 */
export const MAX_RULES_PER_CONDITION = 5;

/**
 * The `DeploymentWindow` rule of a windowed stage's entry condition (owner AWS, version 1,
 * configuration `Cron` and `TimeZone`), with result FAIL, so the stage waits until the window opens.
 * There is no typed L2 for this rule in aws-cdk-lib, hence the generic `codepipeline.Rule`.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html
 */
export function windowRule(window: DeploymentWindow, deployNumber: number): codepipeline.Rule {
  return new codepipeline.Rule({
    // rule names are kept unique within the pipeline (the API reports rules by name)
    name: `DeploymentWindow.${deployNumber}`,
    provider: 'DeploymentWindow',
    version: '1',
    configuration: { Cron: window.expression, TimeZone: window.timeZone },
  });
}

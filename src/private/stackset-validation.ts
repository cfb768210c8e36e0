import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { offers } from './region-services';
import { validateRegion } from './validation';

/*
 * The synth-time checks of RegionTarget.stackSet (targets/stackset-target.ts).
 */

/**
 * Limits of StackSets and of CodePipeline's StackSets actions, each from the page named.
 * - stack set names: letter, then letters, digits, hyphens; at most 128
 *   (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-StackSets.html);
 * - accounts `^[0-9]{12}$`, organizational units `^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$`,
 *   at most 50 units per operation
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackInstances.html,
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudformation-stackset-deploymenttargets.html);
 * - FailureTolerancePercentage 0-100, MaxConcurrentPercentage 1-100, integers
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html);
 * - every action configuration value (Regions, DeploymentTargets, Parameters, Description) at most
 *   1,000 characters (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html);
 * - role names: `[\w+=,.@-]`, 1 to 64 characters (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
 *
 * The CodePipeline action documents no region concurrency setting and no counts (only the two
 * percentages), so the construct offers neither: regions are deployed in the order given.
 */
const STACK_SET_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const ACCOUNT_ID = /^[0-9]{12}$/;
const ORGANIZATIONAL_UNIT = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;
const MAX_ORGANIZATIONAL_UNITS = 50;
export const MAX_CONFIGURATION_VALUE = 1000;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export function validateStackSetName(name: string, what: string): void {
  if (Token.isUnresolved(name)) {
    throw new Error(`${what}: the stack set name must be a literal (it names the target's actions and roles), got an unresolved token.`);
  }
  if (!STACK_SET_NAME.test(name)) {
    throw new Error(`${what}: stack set name '${name}' is not valid; it must start with a letter, contain only letters, digits and hyphens, ` +
      'and be at most 128 characters long.');
  }
}

export function validateRegions(regions: string[], what: string): void {
  if (regions.length === 0) {
    throw new Error(`${what}: regions is empty; give at least one region for the stack instances, such as ['eu-west-1'].`);
  }
  for (const region of regions) {
    // malformed names and tokens throw; unknown well-formed names are warned about by the pipeline
    validateRegion(region, what);
    if (offers('cloudformation', region) === false) {
      throw new Error(`${what}: CloudFormation StackSets is not offered in ${region}; choose regions that offer CloudFormation.`);
    }
  }
  const repeated = regions.filter((region, i) => regions.indexOf(region) !== i);
  if (repeated.length > 0) {
    throw new Error(`${what}: region '${repeated[0]}' is listed more than once in regions; list each region once, in the order to deploy them.`);
  }
  checkConfigurationValue(regions.join(','), 'regions', what);
}

/** The deployment-target members of `StackSetTargetProps`. */
export interface DeploymentTargetOptions {
  readonly accounts?: string[];
  readonly organizationalUnits?: string[];
  readonly administrationRole?: iam.IRole;
  readonly executionRoleName?: string;
  readonly deploymentManagedPolicies?: iam.IManagedPolicy[];
}

export function validateDeploymentTargets(props: DeploymentTargetOptions, what: string): void {
  if (props.organizationalUnits !== undefined) {
    const selfManagedOnly = ([
      ['accounts', props.accounts], ['administrationRole', props.administrationRole],
      ['executionRoleName', props.executionRoleName], ['deploymentManagedPolicies', props.deploymentManagedPolicies],
    ] as const).filter(([, value]) => value !== undefined).map(([name]) => name);
    if (selfManagedOnly.length > 0) {
      throw new Error(`${what}: organizationalUnits selects service-managed permissions, where StackSets creates the roles; ` +
        `${selfManagedOnly.join(', ')} belong to self-managed permissions. Give either organizationalUnits or them, not both.`);
    }
    if (props.organizationalUnits.length === 0 || props.organizationalUnits.length > MAX_ORGANIZATIONAL_UNITS) {
      throw new Error(`${what}: organizationalUnits has ${props.organizationalUnits.length} entries; StackSets takes 1 to ${MAX_ORGANIZATIONAL_UNITS} per operation ` +
        '(target a parent unit for more).');
    }
    for (const ou of props.organizationalUnits) {
      if (!Token.isUnresolved(ou) && !ORGANIZATIONAL_UNIT.test(ou)) {
        throw new Error(`${what}: '${ou}' is not an organizational unit or root ID; expected 'ou-' followed by 4-32 and 8-32 lower-case ` +
          "letters or digits ('ou-ab12-cd34ef56') or a root ID ('r-ab12').");
      }
    }
    checkConfigurationValue(props.organizationalUnits.join(','), 'organizationalUnits', what);
    return;
  }
  if (props.accounts !== undefined) {
    if (props.accounts.length === 0) {
      throw new Error(`${what}: accounts is empty; leave it out to deploy to the pipeline's account, or name the 12-digit account IDs.`);
    }
    for (const account of props.accounts) {
      if (Token.isUnresolved(account)) {
        throw new Error(`${what}: accounts must be literal 12-digit account IDs (the administration role names them), got an unresolved token.`);
      }
      if (!ACCOUNT_ID.test(account)) {
        throw new Error(`${what}: account '${account}' is not an AWS account ID; expected 12 digits, such as '123456789012'.`);
      }
    }
    const repeated = props.accounts.filter((a, i) => props.accounts!.indexOf(a) !== i);
    if (repeated.length > 0) {
      throw new Error(`${what}: account '${repeated[0]}' is listed more than once in accounts; list each account once.`);
    }
    checkConfigurationValue(props.accounts.join(','), 'accounts', what);
  }
  if (props.executionRoleName !== undefined) {
    if (!Token.isUnresolved(props.executionRoleName) && !ROLE_NAME.test(props.executionRoleName)) {
      throw new Error(`${what}: executionRoleName '${props.executionRoleName}' is not a valid IAM role name; use 1 to 64 characters from letters, digits and '+=,.@_-'.`);
    }
    if (props.deploymentManagedPolicies !== undefined) {
      throw new Error(`${what}: give either executionRoleName (roles you created in every account) or deploymentManagedPolicies ` +
        '(for the execution role the construct creates), not both; managed policies are only attached to the role the construct creates.');
    }
  } else if ((props.accounts ?? []).length > 1) {
    // the construct creates the execution role in the pipeline's account only (a single other account is checked at bind time)
    throw new Error(`${what}: accounts names ${props.accounts!.length} accounts, but the construct can create the execution role only in the ` +
      "pipeline's account; create the role in every account and give its name as executionRoleName.");
  }
}

export function validatePercentage(value: number | undefined, min: number, name: string, what: string): void {
  if (value === undefined || Token.isUnresolved(value)) { return; }
  if (!Number.isInteger(value) || value < min || value > 100) {
    throw new Error(`${what}: ${name} is ${value}; give a whole number from ${min} to 100 (a percentage of the accounts of a region).`);
  }
}

export function validateInitialRegionCount(count: number | undefined, regionCount: number, what: string): number {
  if (count === undefined) { return regionCount; }
  if (!Number.isInteger(count) || count < 1 || count >= regionCount) {
    throw new Error(`${what}: initialRegionCount is ${count}; give a whole number from 1 to ${regionCount - 1} (fewer than the ${regionCount} regions), ` +
      'or leave it out to deploy every region in one operation.');
  }
  return count;
}

/**
 * Parameters are written in CodePipeline's shorthand (`ParameterKey=k,ParameterValue=v`, separated
 * by spaces), which cannot carry a comma, space or `=` in a key or value.
 */
export function validateParameters(parameters: { [name: string]: string } | undefined, what: string): void {
  if (!parameters) { return; }
  for (const [key, value] of Object.entries(parameters)) {
    if (Token.isUnresolved(key) || Token.isUnresolved(value)) { continue; }
    if (/[\s,=]/.test(key) || /[\s,=]/.test(value)) {
      throw new Error(`${what}: parameter ${key}=${value} cannot be written in the action's shorthand (keys and values may not contain ` +
        'spaces, commas or \'=\'); pass such values through the template\'s defaults.');
    }
  }
  const rendered = Object.entries(parameters).map(([k, v]) => `ParameterKey=${k},ParameterValue=${v}`).join(' ');
  checkConfigurationValue(rendered, 'parameters', what);
}

function checkConfigurationValue(value: string, name: string, what: string): void {
  if (value.length > MAX_CONFIGURATION_VALUE) {
    throw new Error(`${what}: ${name} take ${value.length} characters in the action's configuration, over CodePipeline's limit of ` +
      `${MAX_CONFIGURATION_VALUE} per configuration value; use fewer entries or split them over several stack sets.`);
  }
}

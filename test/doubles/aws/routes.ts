/**
 * Action routing for the Query protocol: `Version` picks the service (STS 2011-06-15, IAM 2010-05-08),
 * `Action` picks the handler. Each route names its SigV4 signing name (credential scope service),
 * its IAM action (`sts:AssumeRole`, `iam:PutRolePolicy`, ...) and the resource it acts on, which the
 * deny evaluation uses. Resource ARNs per action: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html
 * and https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 */
import type { ActionHandler } from './action-context.js';
import { AwsError, invalidAction } from './errors.js';
import { deleteRolePolicy, getRolePolicy, listRolePolicies, putRolePolicy } from './iam-actions.js';
import type { Params } from './query.js';
import type { DoubleState } from './state.js';
import { assumeRole, getCallerIdentity } from './sts-actions.js';
import type { ServiceName } from './xml.js';

export interface Route {
  service: ServiceName;
  handler: ActionHandler;
  resource(params: Params, state: DoubleState): string;
}

export const VERSIONS: Record<string, ServiceName> = { '2011-06-15': 'sts', '2010-05-08': 'iam' };

const roleResource = (params: Params, state: DoubleState): string => {
  const name = params.get('RoleName') ?? '';
  return state.roles.get(name)?.arn ?? `arn:aws:iam::${state.accountId}:role/${name}`;
};

const ROUTES: Record<ServiceName, Record<string, Route>> = {
  sts: {
    AssumeRole: { service: 'sts', handler: assumeRole, resource: (p) => p.get('RoleArn') ?? '*' },
    GetCallerIdentity: { service: 'sts', handler: getCallerIdentity, resource: () => '*' },
  },
  iam: {
    PutRolePolicy: { service: 'iam', handler: putRolePolicy, resource: roleResource },
    GetRolePolicy: { service: 'iam', handler: getRolePolicy, resource: roleResource },
    DeleteRolePolicy: { service: 'iam', handler: deleteRolePolicy, resource: roleResource },
    ListRolePolicies: { service: 'iam', handler: listRolePolicies, resource: roleResource },
  },
};

export function findRoute(action: string | undefined, version: string | undefined): Route {
  if (!action) throw new AwsError(400, 'MissingAction', 'Missing Action');
  const service = version === undefined ? undefined : VERSIONS[version];
  const route = service ? ROUTES[service][action] : undefined;
  if (!route) throw invalidAction(action, version ?? '');
  return route;
}

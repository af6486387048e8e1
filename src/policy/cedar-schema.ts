/**
 * The Cedar schema Tessera ships with: every policy in `policy.policies_dir` is validated against it in
 * strict mode, and every request Tessera evaluates matches it. `tessera policy schema` prints it, and a
 * copy lives in `config/policies/tessera.cedarschema` for editors (a test keeps the two equal).
 */
export const CEDAR_SCHEMA = `// Tessera's Cedar schema. Policies in config/policies/*.cedar are validated against it (strict mode).
namespace Tessera {
  // A workload, identified by its token's issuer and subject (entity id "<issuer>|<subject>").
  // Every claim of its verified token is a tag: principal.hasTag("repository") && principal.getTag("repository") == "acme/web".
  // String claims as they are; numbers and booleans as text; arrays and objects as JSON text.
  // Not tags: iss and sub (the attributes), iat, exp, nbf, jti.
  entity Agent = { issuer: String, subject: String } tags String;

  // A configured credential profile (entity id = profile name): the resource of credential actions.
  entity Profile = { name: String, backend: String, max_ttl_seconds: Long, approval_required: Bool };

  // A resource named in a task scope or a credential request (entity id = the string, e.g. "repo:acme/web").
  entity Resource;

  // A task: what the agent said it is about to do. Its labels are tags: context.task.hasTag("ticket").
  // parent_task_id is "" for a root task; delegated is true when another agent declared it for its owner.
  entity Task = { intent: String, owner: Agent, parent_task_id: String, delegated: Bool } tags String;

  // The request time in policy.timezone: hour 0-23, minute 0-59, weekday "Mon".."Sun", unix seconds.
  type Clock = { hour: Long, minute: Long, weekday: String, unix: Long };

  // A credential request: ttl_seconds is already clamped by the profile maximum and the task's time left.
  // The requested profile is the action's resource.
  type CredentialRequest = { resources: Set<Resource>, ttl_seconds: Long, reason: String };

  // Context of task actions: the task, the names of the profiles it declared, every resource it declared,
  // seconds until it expires, its delegation depth (0 = root), the time, the caller's address.
  type TaskContext = {
    task: Task, profiles: Set<String>, resources: Set<Resource>, time_left_seconds: Long, depth: Long,
    time: Clock, source_ip?: ipaddr
  };

  // Context of credential actions: the task context plus the request and the approval state
  // ("none" on the first request, "pending" while an approver decides, "approved" when the credential is collected).
  type CredentialContext = {
    task: Task, profiles: Set<String>, resources: Set<Resource>, time_left_seconds: Long, depth: Long,
    time: Clock, source_ip?: ipaddr, request: CredentialRequest, approval: String
  };

  action declare_task appliesTo { principal: Agent, resource: Task, context: TaskContext };
  action complete_task appliesTo { principal: Agent, resource: Task, context: TaskContext };
  action request_credential appliesTo { principal: Agent, resource: Profile, context: CredentialContext };
  // principal: the approver; context.task.owner: the agent that asked.
  action approve appliesTo { principal: Agent, resource: Profile, context: CredentialContext };
}
`;

/** Cedar namespace of Tessera's entity types and actions. */
export const NS = 'Tessera';

/**
 * Session policies: a profile's JSON template rendered with the task's declared resources.
 *
 * A session policy can only narrow what the role allows
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session).
 * Limits (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): the plaintext
 * policy is at most 2,048 characters; AWS then packs policy and session tags into a binary format
 * whose size STS reports (`PackedPolicyTooLarge` when over). Allowed characters: tab, LF, CR and
 * U+0020..U+00FF (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html, `Policy`).
 */

/** STS's plaintext limit for an inline session policy. */
export const SESSION_POLICY_MAX_CHARS = 2048;

const PLACEHOLDER = /\{\{\s*(resources|task_id|profile)\s*\}\}/g;
const ALLOWED_CHARS = /^[\t\n\r\u0020-\u00FF]*$/;

/** What a template may refer to. */
export interface PolicyValues {
  resources: string[];
  taskId: string;
  profile: string;
}

/** Why a rendered policy is refused: its content, or its size. */
export class SessionPolicyError extends Error {
  constructor(
    readonly kind: 'invalid' | 'too_large',
    message: string,
  ) {
    super(message);
    this.name = 'SessionPolicyError';
  }
}

/**
 * Render a template: each placeholder becomes the JSON of its value, the result must be a JSON object
 * with a non-empty `Statement`, and it is returned minified. Throws SessionPolicyError.
 */
export function renderSessionPolicy(template: string, v: PolicyValues): string {
  if (usesResources(template) && v.resources.length === 0) {
    throw new SessionPolicyError('invalid', 'This profile narrows the session to the task\'s resources, but none were declared or requested');
  }
  const text = template.replace(PLACEHOLDER, (_m, name: string) =>
    JSON.stringify(name === 'resources' ? v.resources : name === 'task_id' ? v.taskId : v.profile),
  );
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new SessionPolicyError('invalid', 'The session policy does not render to valid JSON with these resources');
  }
  const problem = shapeProblem(doc);
  if (problem) throw new SessionPolicyError('invalid', `The rendered session policy ${problem}`);
  const minified = JSON.stringify(doc);
  if (!ALLOWED_CHARS.test(minified)) {
    throw new SessionPolicyError('invalid', 'The rendered session policy contains characters AWS does not accept (only U+0020..U+00FF, tab, LF, CR)');
  }
  if (minified.length > SESSION_POLICY_MAX_CHARS) {
    throw new SessionPolicyError(
      'too_large',
      `The rendered session policy has ${minified.length} characters; STS accepts at most ${SESSION_POLICY_MAX_CHARS}. Request fewer resources.`,
    );
  }
  return minified;
}

/** A config-time check of a template (rendered with a sample resource); the problem, or undefined. */
export function checkTemplate(template: string): string | undefined {
  try {
    renderSessionPolicy(template, { resources: ['arn:aws:s3:::example-bucket/example-key'], taskId: 'tsk_example0000000000000', profile: 'example' });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function usesResources(template: string): boolean {
  return /\{\{\s*resources\s*\}\}/.test(template);
}

function shapeProblem(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'is not a JSON object';
  const statement = (doc as Record<string, unknown>)['Statement'];
  if (statement === undefined || (Array.isArray(statement) && statement.length === 0)) return 'has no Statement';
  if (typeof statement !== 'object' || statement === null) return 'has a Statement that is not an object or a list';
  return undefined;
}

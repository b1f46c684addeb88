import path from 'node:path';
import type { Node } from 'constructs';

/**
 * A well-formed skill id that belongs to no skill. `npm run synth` and the tests use it so the app
 * synthesizes offline without a real id; the app refuses it unless `allowPlaceholderSkillId` is set,
 * which only they do, so a deploy without `-c skillId=…` fails before anything is uploaded.
 */
export const PLACEHOLDER_SKILL_ID = 'amzn1.ask.skill.00000000-0000-0000-0000-000000000000';

/** The context keys the app reads (`-c skillId=… -c alarmEmail=…`). */
export const CONTEXT = {
  skillId: 'skillId',
  allowPlaceholderSkillId: 'allowPlaceholderSkillId',
  alarmEmail: 'alarmEmail',
  /** A folder holding the bundle's index.js instead of lambda/dist (the synth test uses a stand-in). */
  codePath: 'codePath',
} as const;

const SKILL_ID_PATTERN = /^amzn1\.ask\.skill\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const HOW_TO =
  'Pass the id of your skill (Alexa developer console, or `ask smapi list-skills-for-vendor`), e.g. ' +
  '`npm run deploy -- -c skillId=amzn1.ask.skill.<uuid>`.';

/** The skill id from the CDK context, checked; throws with what to do when it is missing or malformed. */
export function skillIdFromContext(node: Node): string {
  const raw: unknown = node.tryGetContext(CONTEXT.skillId);
  const skillId = typeof raw === 'string' ? raw.trim() : '';
  if (!skillId) {
    throw new Error(`No Alexa skill id: the context value "${CONTEXT.skillId}" is not set. ${HOW_TO}`);
  }
  if (!SKILL_ID_PATTERN.test(skillId)) {
    throw new Error(`"${skillId}" is not an Alexa skill id (amzn1.ask.skill.<uuid>). ${HOW_TO}`);
  }
  const allowPlaceholder = String(node.tryGetContext(CONTEXT.allowPlaceholderSkillId)) === 'true';
  if (skillId === PLACEHOLDER_SKILL_ID && !allowPlaceholder) {
    throw new Error(
      `${PLACEHOLDER_SKILL_ID} is the placeholder for \`npm run synth\` and the tests: Alexa would never ` +
        `reach a function deployed with it. ${HOW_TO}`,
    );
  }
  return skillId;
}

/** The optional e-mail address for alarm notifications (`-c alarmEmail=…`). */
export function alarmEmailFromContext(node: Node): string | undefined {
  const raw: unknown = node.tryGetContext(CONTEXT.alarmEmail);
  const email = typeof raw === 'string' ? raw.trim() : '';
  if (!email) return undefined;
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new Error(`"${email}" is not an e-mail address (context value "${CONTEXT.alarmEmail}").`);
  }
  return email;
}

/** The bundle folder from `-c codePath=…`, or undefined for the default (lambda/dist). */
export function codePathFromContext(node: Node): string | undefined {
  const raw: unknown = node.tryGetContext(CONTEXT.codePath);
  return typeof raw === 'string' && raw.trim() ? path.resolve(raw.trim()) : undefined;
}

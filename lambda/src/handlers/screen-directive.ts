import type { interfaces, RequestEnvelope } from 'ask-sdk-model';
import type { Line } from '../conversation/types';
import type { Button, Screen, ScreenKind } from '../conversation/screen';
import type { RenderContext } from '../i18n/render';
import { translateLine } from '../i18n/render';
import type { Translator } from '../i18n/translators';

/**
 * The screen as an APL RenderDocument directive. The documents live in the skill package
 * (skill-package/response/display/<name>/document.json) and are linked, so a response carries only the
 * words to show (the data source), never the layout.
 */

/** The linked documents, by the screen kinds they show. */
export const APL_DOCUMENTS: Record<ScreenKind, string> = {
  step: 'speakerHelperStep',
  message: 'speakerHelperStep',
  safety: 'speakerHelperEnd',
  resolved: 'speakerHelperEnd',
  unresolved: 'speakerHelperEnd',
  devices: 'speakerHelperDevices',
};

/** What each document binds to as `payload.screen`; every word already translated. */
export interface ScreenData {
  kind: ScreenKind;
  title: string;
  /** "Step 3", or '' off a step. */
  position: string;
  /** "Welcome back…", or ''. */
  banner: string;
  /** Paragraphs; a step's numbered actions one per item. */
  lines: string[];
  /** The question waiting for an answer, or '' when the session ends. */
  question: string;
  buttons: Array<{ label: string; arguments: string[] }>;
  /** What to say instead of touching, for screens without touch (Fire TV), or ''. */
  hint: string;
  devices: Array<{ name: string; available: boolean; note: string; arguments: string[] }>;
}

/** Whether the device can show APL: only then may a response carry an APL directive. */
export function supportsApl(env: RequestEnvelope): boolean {
  const supported = env.context?.System?.device?.supportedInterfaces as Record<string, unknown> | undefined;
  return typeof supported === 'object' && supported !== null && supported['Alexa.Presentation.APL'] != null;
}

const labelOf = (button: Button, t: (line: Line) => string) =>
  button.id === 'device' ? (button.name ?? '') : t({ key: `screen.buttons.${button.id}` });

/** The screen's words in the turn's language. */
export function screenData(screen: Screen, translator: Translator, context: RenderContext): ScreenData {
  const t = (line: Line) => translateLine(line, translator, context);
  const buttons = screen.buttons.filter((b) => b.id !== 'device');
  const labels = buttons.map((b) => labelOf(b, t));
  const quoted = labels.map((text) => t({ key: 'screen.quote', params: { text } }));
  return {
    kind: screen.kind,
    title: t(screen.title),
    position: screen.position ? t({ key: 'screen.position', params: { number: screen.position } }) : '',
    banner: screen.welcomeBack ? t({ key: 'screen.welcomeBack' }) : '',
    // A step's numbered actions are one sentence with a line per action: one paragraph each on screen.
    lines: screen.lines.flatMap((l) => t(l).split('\n')).filter((s) => s.trim().length > 0),
    question: screen.question ? t(screen.question) : '',
    buttons: buttons.map((b, i) => ({ label: labels[i] as string, arguments: [...b.touch] })),
    hint: quoted.length > 0 ? t({ key: 'screen.say', params: { options: quoted } }) : '',
    devices: (screen.devices ?? []).map((d) => ({
      name: d.name,
      available: d.available,
      note: d.available ? '' : t({ key: 'screen.unavailable' }),
      arguments: ['device', d.name],
    })),
  };
}

/** The RenderDocument directive for a screen. */
export function renderDirective(
  screen: Screen,
  translator: Translator,
  context: RenderContext,
): interfaces.alexa.presentation.apl.RenderDocumentDirective {
  return {
    type: 'Alexa.Presentation.APL.RenderDocument',
    token: screen.token,
    document: { type: 'Link', src: `doc://alexa/apl/documents/${APL_DOCUMENTS[screen.kind]}` },
    datasources: { payload: { screen: screenData(screen, translator, context) } },
  };
}

/**
 * The skill's CloudWatch metrics (embedded metric format), named once: the Lambda emits them and the
 * CDK dashboard and alarms (infrastructure/) read them.
 */
export const METRICS_NAMESPACE = 'SpeakerHelper';
export const METRICS_SERVICE = 'speaker-helper';

export const METRIC = {
  /** Every LaunchRequest and IntentRequest answered. Dimensions: service. */
  turns: 'Turns',
  /** Milliseconds from request to response. Dimensions: service. */
  turnLatency: 'TurnLatency',
  /** A step answered (yes, no, done, skipped, …). Dimensions: service, Step, Outcome. */
  stepOutcome: 'StepOutcome',
  /** A speaker working at the end of a journey. Dimensions: service, Step (the step that fixed it). */
  fixed: 'Fixed',
  /** A user stopping or walking away mid-journey. Dimensions: service, Step (where they gave up). */
  gaveUp: 'GaveUp',
  /** A safety stop. Dimensions: service. */
  safetyStops: 'SafetyStops',
  /** A Spotify hand-off. Dimensions: service, Result (moved, unconfirmed, choose, failed:<kind>, …). */
  spotifyHandoff: 'SpotifyHandoff',
  /** DynamoDB could not be read or written in a turn. Dimensions: service. */
  storageErrors: 'StorageErrors',
} as const;

export const DIMENSION = { step: 'Step', outcome: 'Outcome', result: 'Result' } as const;
/** The dimension every metric carries, valued METRICS_SERVICE (as Powertools Metrics named it). */
export const SERVICE_DIMENSION = 'service';

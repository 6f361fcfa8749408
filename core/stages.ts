/** Where an enrollment stands; the orchestration's custom status and the status API both speak this. */
export const stages = [
  'invited',
  'awaiting-verification',
  'issuing',
  'ready',
  'revealed',
  'expired',
  'cancelled',
  'failed',
] as const;

export type Stage = (typeof stages)[number];

export type FinalStage = Extract<Stage, 'revealed' | 'expired' | 'cancelled' | 'failed'>;

export function isFinalStage(stage: Stage): stage is FinalStage {
  switch (stage) {
    case 'revealed':
    case 'expired':
    case 'cancelled':
    case 'failed':
      return true;
    case 'invited':
    case 'awaiting-verification':
    case 'issuing':
    case 'ready':
      return false;
  }
}

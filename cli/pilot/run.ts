export interface PilotOptions {
  data?: string;
  hub?: string;
  keys?: string;
  samples: string;
  json?: boolean;
}

export async function runPilot(_options: PilotOptions): Promise<void> {
  throw new Error('pilot scenario not written yet');
}

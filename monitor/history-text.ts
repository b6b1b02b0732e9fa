/** Text and JSON renderings of a timeline for `ecert history`. */
import type { Timeline } from './history.js';
import type { ExchangeSummary } from './history-steps.js';

/**
 * Replaces control characters (newlines, ANSI escapes) with `\u` escapes, because reasons and
 * exception texts come from signed entries that any participant writes, and a terminal would
 * otherwise act on them.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Formats a timeline for a terminal: a header, one block per exchange, then every step with its proof. */
export function formatTimelineText(timeline: Timeline): string {
  const lines: string[] = [];
  lines.push(`${timeline.subject} ${timeline.query}`);
  if (timeline.subject === 'exchange') lines.push(`document ${timeline.documentSha256}`);
  const { checkpoint } = timeline;
  lines.push(`checkpoint ${printable(checkpoint.origin)} size ${checkpoint.size} root ${checkpoint.rootHash}`);
  if (timeline.witnesses !== null) {
    const { satisfied, cosigners, requirement } = timeline.witnesses;
    const by = cosigners.length === 0 ? 'no witness' : cosigners.map(printable).join(', ');
    lines.push(`witness policy ${satisfied ? 'met' : 'NOT met'}: ${printable(requirement)}; cosigned by ${by}`);
  }
  if (!timeline.complete) {
    lines.push('incomplete: the receipt carries no log, so only its own entries are shown and no signature was checked');
  }
  for (const exchange of timeline.exchanges) lines.push('', ...exchangeLines(exchange));
  lines.push('', `steps (${timeline.steps.length}, each inclusion proof verified against the checkpoint):`);
  for (const step of timeline.steps) {
    lines.push(`  #${step.index}  ${step.loggedAt}  ${printable(step.actor)}  ${step.kind}: ${printable(step.summary)}`);
    lines.push(`      leaf ${step.leafHash}  proof [${step.proof.join(' ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

function exchangeLines(exchange: ExchangeSummary): string[] {
  const lines = [
    `exchange ${exchange.exchangeId}: ${exchange.from} -> ${exchange.to} through ${printable(exchange.channel)}`,
    `  status    ${exchange.status}${exchange.receipt === null ? '' : ` (${exchange.receipt.acknowledgement})`}${exchange.purge === null ? '' : ', PDF purged'}`,
    `  sent      ${exchange.sentAt} by ${printable(exchange.sender)}`,
  ];
  const { delivery, receipt, purge } = exchange;
  lines.push(delivery === null ? '  delivery  not logged' : `  delivery  ${delivery.at} ${delivery.status} after ${delivery.attempts} attempt(s)`);
  if (receipt === null) lines.push('  received  not acknowledged');
  else {
    const reason = receipt.reason === null ? '' : `: ${printable(receipt.reason)}`;
    lines.push(`  received  ${receipt.at} by ${printable(receipt.receiver)}, acknowledgement ${receipt.acknowledgement}${reason}`);
  }
  for (const verification of exchange.verifications) {
    lines.push(`  verified  ${verification.at} by ${printable(verification.actor)}: ${verification.result}, decision ${verification.decision}`);
  }
  for (const exception of exchange.exceptions) {
    lines.push(`  exception ${exception.at} by ${printable(exception.actor)}: ${exception.reason}: ${printable(exception.text)}`);
  }
  if (purge !== null) lines.push(`  purged    ${purge.at} (${purge.reason})`);
  return lines;
}

/** Formats a timeline as JSON, with each step's envelope as logged. */
export function formatTimelineJson(timeline: Timeline): string {
  return `${JSON.stringify(timeline, null, 2)}\n`;
}

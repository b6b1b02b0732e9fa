import { cabCountry, provenance, reject, requireSignerCountry, type RuleContext } from './context.js';

/**
 * Registers a document: signed by a sender of the issuer CAB's country, the issuer
 * registered, and the SHA-256 new. A hash names one document forever, so registering
 * the same PDF twice is rejected even under another number.
 */
export function applyDocumentRegister(context: RuleContext<'document.register'>): void {
  const { body, state } = context;
  requireSignerCountry(context, cabCountry(body.issuer), `a document of CAB ${body.issuer}`);
  if (state.cabAt(body.issuer) === undefined) {
    reject('unknown_issuer', `issuer CAB ${body.issuer} is not registered`, { issuer: body.issuer });
  }
  const existing = state.documentBySha256(body.sha256);
  if (existing !== undefined) {
    reject('document_exists', `document ${body.sha256} is already registered at index ${existing.index}`, {
      sha256: body.sha256,
      index: existing.index,
    });
  }
  context.writes.push({
    table: 'document',
    key: body.sha256,
    value: { sha256: body.sha256, actor: context.signer.name, body, ...provenance(context) },
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';

import { ApiError } from './errors.js';

/** A count in a path or query: decimal digits without sign, leading zeros, spaces or exponent. */
const DECIMAL_COUNT = /^(0|[1-9][0-9]*)$/;

/**
 * Rejects integer path and query parameters that are not plain decimal text. Ajv's type
 * coercion uses JavaScript's Number(), which reads " " as 0, "0x1" as 1 and "1e0" as 1, so a
 * malformed index would otherwise select a real entry. The values are attacker-controlled.
 */
export function registerDecimalParamCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema;
    checkPart(schema?.querystring, request.query, 'querystring');
    checkPart(schema?.params, request.params, 'params');
  });
}

function checkPart(schema: unknown, values: FastifyRequest['query'], part: string): void {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  if (properties === undefined || typeof values !== 'object' || values === null) return;
  for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
    if (properties[name]?.type !== 'integer') continue;
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text === 'string' && !DECIMAL_COUNT.test(text)) {
        throw new ApiError(
          400,
          'invalid_parameter',
          `${part}/${name} ${JSON.stringify(text.slice(0, 40))} is not a decimal integer (digits only, no leading zeros)`,
        );
      }
    }
  }
}

import {
  bodySchema,
  cabCodeSchema,
  dateSchema,
  hsCodeSchema,
  list,
  oneOfValues,
  record,
  STATUSES,
  text,
  utcTimeSchema,
  type JsonSchema,
  type Status,
} from './common.js';

export const STANDARDS = ['ISO/IEC 17025', 'ISO/IEC 17065'] as const;
export type AccreditationStandard = (typeof STANDARDS)[number];

export interface AccreditationScope {
  /** HS code prefixes the accreditation covers; a product code matches when it starts with one. */
  hsCodes: string[];
  /** Technical regulations covered, e.g. `TR CU 004/2011`. */
  regulations: string[];
  /** Product or test standards covered. */
  standards: string[];
}

/** Body of `accreditation.set`: the whole accreditation of one CAB under one standard. */
export interface AccreditationBody {
  cabCode: string;
  standard: AccreditationStandard;
  accreditationBody: string;
  number: string;
  scope: AccreditationScope;
  validFrom: string;
  validUntil: string;
  status: Status;
  effectiveAt: string;
}

export const accreditationSetSchema: JsonSchema = bodySchema(
  'accreditation.set',
  "Sets a CAB's accreditation under one standard, replacing any earlier one.",
  {
    cabCode: cabCodeSchema,
    standard: oneOfValues(STANDARDS),
    accreditationBody: text(200),
    number: text(100),
    scope: {
      ...record(
        {
          hsCodes: list(hsCodeSchema, 1000),
          regulations: list(text(200), 200),
          standards: list(text(200), 500),
        },
        ['hsCodes', 'regulations', 'standards'],
      ),
    },
    validFrom: dateSchema,
    validUntil: dateSchema,
    status: oneOfValues(STATUSES),
    effectiveAt: utcTimeSchema,
  },
  ['cabCode', 'standard', 'accreditationBody', 'number', 'scope', 'validFrom', 'validUntil', 'status', 'effectiveAt'],
);

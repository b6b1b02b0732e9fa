import {
  bodySchema,
  cabCodeSchema,
  dateSchema,
  hsCodeSchema,
  list,
  oneOfValues,
  record,
  sha256Schema,
  text,
  type JsonSchema,
} from './common.js';

export const DOCUMENT_TYPES = ['CC', 'TR'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];
export const RELATIONS = ['replaces', 'amends', 'supplements', 'refers-to'] as const;

export interface DocumentBody {
  /** CC: conformity certificate (ISO/IEC 17065); TR: test report (ISO/IEC 17025). */
  type: DocumentType;
  number: string;
  /** Code of the issuing CAB. */
  issuer: string;
  /** SHA-256 of the signed PDF. */
  sha256: string;
  issuedOn: string;
  validUntil?: string;
  product: { description: string; hsCodes: string[] };
  regulations: string[];
  standards: string[];
  related: { sha256: string; relation: (typeof RELATIONS)[number] }[];
}

export const documentRegisterSchema: JsonSchema = bodySchema(
  'document.register',
  'Registers a signed certificate or test report by its SHA-256 and metadata.',
  {
    type: oneOfValues(DOCUMENT_TYPES),
    number: text(100),
    issuer: cabCodeSchema,
    sha256: sha256Schema,
    issuedOn: dateSchema,
    validUntil: dateSchema,
    product: record({ description: text(1000), hsCodes: list(hsCodeSchema, 100, 1) }, ['description', 'hsCodes']),
    regulations: list(text(200), 50),
    standards: list(text(200), 100),
    related: list(record({ sha256: sha256Schema, relation: oneOfValues(RELATIONS) }, ['sha256', 'relation']), 20),
  },
  ['type', 'number', 'issuer', 'sha256', 'issuedOn', 'product', 'regulations', 'standards', 'related'],
);

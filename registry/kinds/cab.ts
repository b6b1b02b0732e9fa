import {
  bodySchema,
  cabCodeSchema,
  oneOfValues,
  STATUSES,
  text,
  utcTimeSchema,
  type JsonSchema,
  type Status,
} from './common.js';

export const CAB_TYPES = ['certification-body', 'testing-laboratory'] as const;
export type CabType = (typeof CAB_TYPES)[number];

/** Body of `cab.register` and `cab.update`: the whole record of a CAB. */
export interface CabBody {
  code: string;
  name: string;
  /** ISO/IEC 17065 certification body or ISO/IEC 17025 testing laboratory. */
  type: CabType;
  status: Status;
  /** When `status` takes effect; may be earlier or later than the entry. */
  effectiveAt: string;
}

export interface CabRecodeBody {
  code: string;
  /** The new code; the CAB record moves there and the old code is withdrawn. */
  successor: string;
  effectiveAt: string;
}

const cabProperties = {
  code: cabCodeSchema,
  name: text(300),
  type: oneOfValues(CAB_TYPES),
  status: oneOfValues(STATUSES),
  effectiveAt: utcTimeSchema,
};
const cabRequired = ['code', 'name', 'type', 'status', 'effectiveAt'];

export const cabRegisterSchema: JsonSchema = bodySchema(
  'cab.register',
  "Registers a conformity assessment body of the registrar's country under a new code.",
  cabProperties,
  cabRequired,
);

export const cabUpdateSchema: JsonSchema = bodySchema(
  'cab.update',
  "Replaces a registered CAB's name, type or status.",
  cabProperties,
  cabRequired,
);

export const cabRecodeSchema: JsonSchema = bodySchema(
  'cab.recode',
  'Moves a CAB to a new code of the same country; the old code becomes withdrawn with this successor.',
  { code: cabCodeSchema, successor: cabCodeSchema, effectiveAt: utcTimeSchema },
  ['code', 'successor', 'effectiveAt'],
);

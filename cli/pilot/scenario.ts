import type { AccreditationScope, AccreditationStandard } from '../../registry/kinds/accreditation.js';
import type { CabType } from '../../registry/kinds/cab.js';
import type { CheckId } from '../../registry/kinds/verification.js';

/*
 * The pilot's scenario as data: which CABs each country registers, what they are
 * accredited for, which documents they issue, where each is sent, and the verification
 * result the scenario expects of each. Codes and numbers carry the run number, so two
 * runs against one hub do not collide.
 */

export interface Product {
  description: string;
  hsCodes: string[];
  regulations: string[];
  standards: string[];
}

export interface CabPlan {
  code: string;
  name: string;
  country: string;
  type: CabType;
  /** Standards the CAB is accredited to; a certification body gets 17065 only, a laboratory 17025. */
  standards: AccreditationStandard[];
  accreditationBody: string;
  /** Whether the scenario suspends the CAB before its documents are registered. */
  suspended: boolean;
}

/**
 * The outcomes the scenario accepts of one check, each `INDICATION` or
 * `INDICATION/SUB_INDICATION`; a bare indication accepts any sub-indication.
 */
export interface ExpectedCheck {
  id: CheckId;
  outcomes: string[];
}

/**
 * The key a generated document is signed with: its issuer's current key, the issuer's key
 * revoked before the document is logged, the issuer's key revoked only after it is
 * logged, or the key of another CAB.
 */
export type SigningKey =
  | { kind: 'issuer' }
  | { kind: 'revoked-before' }
  | { kind: 'revoked-after' }
  | { kind: 'other-cab'; cab: CabPlan };

export type DocumentSource =
  | {
      kind: 'generated';
      key: SigningKey;
      /** Whether one byte of the signed PDF is flipped before its hash is registered. */
      tamper: boolean;
    }
  | {
      kind: 'sample';
      file: string;
      sha256: string;
      /** The signature outcomes expected.json lists for the file (alternatives where it names several). */
      signature: string[];
      /** SHA-256 of the signer certificates the file's signatures embed. */
      signers: string[];
    };

/** A sample PDF as the scenario takes it. */
export interface SampleInput {
  file: string;
  sha256: string;
  signature: string[];
  signers: string[];
}

export interface DocumentPlan {
  label: string;
  type: 'CC' | 'TR';
  number: string;
  issuer: CabPlan;
  product: Product;
  source: DocumentSource;
  /** Country the document is sent to. */
  to: string;
  acknowledgement: 'positive' | 'warning' | 'negative';
  /** Whether the receiver raises a query on the exchange before deciding. */
  query: boolean;
  /**
   * Checks the scenario expects not to pass. Every other check must pass, except check 5
   * of a sample, which depends on the sample certificates the run registers (see
   * expectations.ts).
   */
  expected: ExpectedCheck[];
}

export interface Scenario {
  runNumber: string;
  countries: string[];
  cabs: CabPlan[];
  documents: DocumentPlan[];
  /** The CAB whose first signing key is revoked, as compromised, before documents are logged. */
  revokedKeyCab: CabPlan;
  /** The CAB that gets a second signing key, revoked only after documents are logged. */
  retiredKeyCab: CabPlan;
}

/** Accreditation bodies of the development participants; another country gets `<CC>NAB`. */
const ACCREDITATION_BODIES: Readonly<Record<string, { code: string; name: string }>> = {
  UZ: { code: 'UZAC', name: "O'zbekiston Akkreditatsiya Markazi" },
  AZ: { code: 'AZAK', name: 'Azerbaijan Accreditation Centre' },
  KG: { code: 'KCA', name: 'Kyrgyz Centre for Accreditation' },
  PK: { code: 'PNAC', name: 'Pakistan National Accreditation Council' },
  TJ: { code: 'TJNAC', name: 'National Accreditation Centre of Tajikistan' },
};

export function accreditationBodyOf(country: string): { code: string; name: string } {
  return ACCREDITATION_BODIES[country] ?? { code: `${country}NAB`, name: `National Accreditation Body of ${country}` };
}

/** Products of the regular documents: household appliances and light industry goods. */
export const PRODUCTS: readonly Product[] = [
  {
    description: 'Electric kettle, 1.7 l, 2200 W',
    hsCodes: ['851671'],
    regulations: ['TR CU 004/2011', 'TR CU 020/2011'],
    standards: ['IEC 60335-1', 'IEC 60335-2-15', 'CISPR 14-1'],
  },
  {
    description: 'Hand-held hair dryer, 1800 W',
    hsCodes: ['851631'],
    regulations: ['TR CU 004/2011', 'TR CU 020/2011'],
    standards: ['IEC 60335-1', 'IEC 60335-2-23'],
  },
  {
    description: 'Household refrigerator-freezer, 310 l',
    hsCodes: ['841810'],
    regulations: ['TR CU 004/2011', 'TR CU 020/2011'],
    standards: ['IEC 60335-1', 'IEC 60335-2-24'],
  },
  {
    description: 'Front-loading washing machine, 7 kg',
    hsCodes: ['845011'],
    regulations: ['TR CU 004/2011', 'TR CU 020/2011'],
    standards: ['IEC 60335-1', 'IEC 60335-2-7'],
  },
  {
    description: 'Kitchen food processor and blender',
    hsCodes: ['850940'],
    regulations: ['TR CU 004/2011', 'TR CU 020/2011'],
    standards: ['IEC 60335-1', 'IEC 60335-2-14'],
  },
  {
    description: "Men's leather footwear with rubber soles",
    hsCodes: ['640399'],
    regulations: ['TR CU 017/2011'],
    standards: ['GOST 26167-2005'],
  },
  {
    description: 'Knitted cotton T-shirts',
    hsCodes: ['610910'],
    regulations: ['TR CU 017/2011'],
    standards: ['GOST 31408-2009'],
  },
];

/** A product no pilot CAB is accredited for: toys, under the toy safety regulation. */
export const OUT_OF_SCOPE_PRODUCT: Product = {
  description: 'Plastic construction toy set for children over 3 years',
  hsCodes: ['950300'],
  regulations: ['TR CU 008/2011'],
  standards: ['EN 71-1'],
};

/** The accreditation scope every pilot CAB gets: the HS headings and regulations of PRODUCTS. */
export const PILOT_SCOPE: AccreditationScope = {
  hsCodes: ['8516', '8418', '8450', '8509', '6403', '6109'],
  regulations: ['TR CU 004/2011', 'TR CU 020/2011', 'TR CU 017/2011'],
  standards: [
    'IEC 60335-1',
    'IEC 60335-2-7',
    'IEC 60335-2-14',
    'IEC 60335-2-15',
    'IEC 60335-2-23',
    'IEC 60335-2-24',
    'CISPR 14-1',
    'GOST 26167-2005',
    'GOST 31408-2009',
  ],
};

/** Regular documents per CAB: enough for 60 exchanges even when a rerun finds the samples registered. */
const DOCUMENTS_PER_CAB = 6;

/**
 * Builds the scenario for `countries` (at least three participants) and the sample files.
 * Every country gets a certification body and a testing laboratory; the first also gets a
 * certification body that the scenario suspends.
 */
export function buildScenario(
  runNumber: string,
  countries: readonly string[],
  samples: readonly SampleInput[],
): Scenario {
  if (countries.length < 3) throw new RangeError(`the scenario needs at least 3 participant countries, got ${countries.length}`);
  if (!/^[0-9]{6}$/.test(runNumber)) throw new RangeError(`run number ${runNumber} is not 6 digits`);
  const cabs = countries.flatMap((country) => regularCabs(runNumber, country));
  const suspended = cab(runNumber, countries[0]!, 3, 'certification-body', 'Certification Centre for Consumer Goods', true);
  cabs.push(suspended);

  const documents: DocumentPlan[] = [];
  const regular = cabs.filter((plan) => !plan.suspended);
  for (const [position, issuer] of regular.entries()) {
    for (let serial = 1; serial <= DOCUMENTS_PER_CAB; serial++) {
      const type = issuer.type === 'certification-body' ? 'CC' : 'TR';
      const count = documents.length;
      documents.push({
        label: `${type} ${serial} of ${issuer.code}`,
        type,
        number: documentNumber(issuer, type, runNumber, serial),
        issuer,
        product: PRODUCTS[(position + serial) % PRODUCTS.length]!,
        source: { kind: 'generated', key: { kind: 'issuer' }, tamper: false },
        to: receiverOf(countries, issuer.country, count),
        acknowledgement: count % 9 === 4 ? 'warning' : 'positive',
        query: count === 7,
        expected: [],
      });
    }
  }
  for (const [position, sample] of samples.entries()) {
    const issuer = regular[position % regular.length]!;
    const type = issuer.type === 'certification-body' ? 'CC' : 'TR';
    documents.push({
      label: `sample ${sample.file}`,
      type,
      number: documentNumber(issuer, type, runNumber, 50 + position),
      issuer,
      product: PRODUCTS[position % PRODUCTS.length]!,
      source: { kind: 'sample', file: sample.file, sha256: sample.sha256, signature: [...sample.signature], signers: [...sample.signers] },
      to: receiverOf(countries, issuer.country, position + 1),
      // No sample signer is a pilot CAB's registered key, so the receiver acknowledges with a warning.
      acknowledgement: 'warning',
      query: false,
      expected: [{ id: 'signature', outcomes: [...sample.signature] }],
    });
  }
  documents.push(...failingDocuments(runNumber, countries, cabs, suspended));
  const keys: KeyCases = {
    revokedKeyCab: laboratoryOf(cabs, countries[countries.length - 1]!),
    retiredKeyCab: certificationBodyOf(cabs, countries[1]!),
    otherCab: { issuer: certificationBodyOf(cabs, countries[0]!), signer: certificationBodyOf(cabs, countries[1]!) },
    tampered: laboratoryOf(cabs, countries[0]!),
  };
  documents.push(...keyDocuments(runNumber, countries, keys));
  return { runNumber, countries: [...countries], cabs, documents, revokedKeyCab: keys.revokedKeyCab, retiredKeyCab: keys.retiredKeyCab };
}

/** The CABs of the documents that exercise checks 4 and 5. */
interface KeyCases {
  revokedKeyCab: CabPlan;
  retiredKeyCab: CabPlan;
  otherCab: { issuer: CabPlan; signer: CabPlan };
  tampered: CabPlan;
}

/**
 * Builds the four documents of checks 4 and 5. One is signed with a key revoked before it
 * is logged, and one with a key revoked only after, which passes because its log time is
 * its proof of existence (DESIGN.md §4). One is signed with another CAB's key, and one
 * is changed after signing.
 */
function keyDocuments(runNumber: string, countries: readonly string[], keys: KeyCases): DocumentPlan[] {
  const plan = (
    issuer: CabPlan,
    serial: number,
    label: string,
    source: DocumentSource,
    acknowledgement: DocumentPlan['acknowledgement'],
    expected: ExpectedCheck[],
  ): DocumentPlan => {
    const type = issuer.type === 'certification-body' ? 'CC' : 'TR';
    return {
      label: `${type} of ${issuer.code} ${label}`,
      type,
      number: documentNumber(issuer, type, runNumber, serial),
      issuer,
      product: PRODUCTS[serial % PRODUCTS.length]!,
      source,
      to: receiverOf(countries, issuer.country, serial),
      acknowledgement,
      query: false,
      expected,
    };
  };
  return [
    plan(keys.revokedKeyCab, 93, 'signed with its key revoked before logging', { kind: 'generated', key: { kind: 'revoked-before' }, tamper: false }, 'negative', [
      { id: 'key-registry', outcomes: ['FAILED/REVOKED'] },
    ]),
    plan(keys.retiredKeyCab, 94, 'signed with a key revoked after logging', { kind: 'generated', key: { kind: 'revoked-after' }, tamper: false }, 'positive', []),
    // The certificate is registered, but for the signer CAB, so no registration binds it to the issuer.
    plan(
      keys.otherCab.issuer,
      95,
      `signed with the key of ${keys.otherCab.signer.code}`,
      { kind: 'generated', key: { kind: 'other-cab', cab: keys.otherCab.signer }, tamper: false },
      'warning',
      [{ id: 'key-registry', outcomes: ['INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND'] }],
    ),
    // The flipped byte is in the header comment, so the file still parses and only the digest differs.
    plan(keys.tampered, 96, 'changed after signing', { kind: 'generated', key: { kind: 'issuer' }, tamper: true }, 'negative', [
      { id: 'signature', outcomes: ['FAILED/HASH_FAILURE'] },
    ]),
  ];
}

/** Builds the three documents meant to fail checks 1, 2 and 3. */
function failingDocuments(runNumber: string, countries: readonly string[], cabs: CabPlan[], suspended: CabPlan): DocumentPlan[] {
  const certificationBody = (country: string): CabPlan => certificationBodyOf(cabs, country);
  const fromSuspended: DocumentPlan = {
    label: `CC of suspended ${suspended.code}`,
    type: 'CC',
    number: documentNumber(suspended, 'CC', runNumber, 90),
    issuer: suspended,
    product: PRODUCTS[0]!,
    source: { kind: 'generated', key: { kind: 'issuer' }, tamper: false },
    to: countries[1]!,
    acknowledgement: 'negative',
    query: false,
    expected: [{ id: 'cab-authority', outcomes: ['FAILED/NOT_AUTHORISED'] }],
  };
  const testIssuer = certificationBody(countries[2]!);
  // A certification body is accredited to ISO/IEC 17065 only, so it has no accreditation and no scope for a test report.
  const reportOfCertificationBody: DocumentPlan = {
    label: `TR of certification body ${testIssuer.code}`,
    type: 'TR',
    number: documentNumber(testIssuer, 'TR', runNumber, 91),
    issuer: testIssuer,
    product: PRODUCTS[1]!,
    source: { kind: 'generated', key: { kind: 'issuer' }, tamper: false },
    to: countries[0]!,
    acknowledgement: 'negative',
    query: false,
    expected: [
      { id: 'accreditation', outcomes: ['FAILED/NOT_ACCREDITED'] },
      { id: 'scope', outcomes: ['FAILED/OUT_OF_SCOPE'] },
    ],
  };
  const scopeIssuer = certificationBody(countries[1]!);
  const outOfScope: DocumentPlan = {
    label: `CC of ${scopeIssuer.code} outside its scope`,
    type: 'CC',
    number: documentNumber(scopeIssuer, 'CC', runNumber, 92),
    issuer: scopeIssuer,
    product: OUT_OF_SCOPE_PRODUCT,
    source: { kind: 'generated', key: { kind: 'issuer' }, tamper: false },
    to: countries[2]!,
    acknowledgement: 'negative',
    query: false,
    expected: [{ id: 'scope', outcomes: ['FAILED/OUT_OF_SCOPE'] }],
  };
  return [fromSuspended, reportOfCertificationBody, outOfScope];
}

function certificationBodyOf(cabs: readonly CabPlan[], country: string): CabPlan {
  return cabs.find((plan) => plan.country === country && plan.type === 'certification-body' && !plan.suspended)!;
}

function laboratoryOf(cabs: readonly CabPlan[], country: string): CabPlan {
  return cabs.find((plan) => plan.country === country && plan.type === 'testing-laboratory')!;
}

function regularCabs(runNumber: string, country: string): CabPlan[] {
  return [
    cab(runNumber, country, 1, 'certification-body', 'Product Certification Body', false),
    cab(runNumber, country, 2, 'testing-laboratory', 'Testing Laboratory for Electrical and Light Industry Products', false),
  ];
}

function cab(runNumber: string, country: string, serial: number, type: CabType, name: string, suspended: boolean): CabPlan {
  const body = accreditationBodyOf(country);
  return {
    code: `${country}-${body.code}-${runNumber}${String(serial).padStart(2, '0')}`,
    name: `${name} ${country}-${serial}`,
    country,
    type,
    standards: type === 'certification-body' ? ['ISO/IEC 17065'] : ['ISO/IEC 17025'],
    accreditationBody: body.name,
    suspended,
  };
}

function documentNumber(issuer: CabPlan, type: string, runNumber: string, serial: number): string {
  return `${issuer.code}/${type}/${runNumber}-${String(serial).padStart(3, '0')}`;
}

/** Spreads exchanges over every other country in turn. */
function receiverOf(countries: readonly string[], from: string, turn: number): string {
  const others = countries.filter((country) => country !== from);
  return others[turn % others.length]!;
}

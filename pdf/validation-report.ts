/**
 * The outcome types of check 4 (signature) of the verifier: ETSI TS 119 102-1
 * style indications for every signature of a PDF and for the file as a whole.
 */
import type { PdfLimits } from './limits.js';

export type Indication = 'PASSED' | 'FAILED' | 'INDETERMINATE';

export type SignatureSubIndication =
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'CRYPTO_CONSTRAINTS_FAILURE'
  | 'SIG_CONSTRAINTS_FAILURE';

/** Caller's requirements beyond an intact, valid signature. */
export interface SignaturePolicy {
  /** Require PAdES-BASELINE-B; anything short of it is INDETERMINATE/SIG_CONSTRAINTS_FAILURE. Default false. */
  requireBaselineB?: boolean;
  /** Smallest RSA modulus accepted, in bits. Default 2048. */
  minRsaBits?: number;
  /** Accept SHA-1 as digest or signature hash. Default false. */
  allowSha1?: boolean;
  /** Parser limits for the file and for each signed revision. Default DEFAULT_PDF_LIMITS. */
  limits?: Partial<PdfLimits>;
  /** Maximum number of signatures checked. A file with more is FAILED/FORMAT_FAILURE. Default 64. */
  maxSignatures?: number;
}

/** The check-4 outcome of one signature, with its evidence. */
export interface SignatureCheck {
  fieldName?: string;
  subFilter?: string;
  /** /ByteRange as written; non-number items are NaN. */
  byteRange: number[];
  /** End of the signed revision, b+c of the ByteRange (NaN when the ByteRange is unusable). */
  revisionEnd: number;
  indication: Indication;
  subIndication?: SignatureSubIndication;
  message: string;
  /** DER of the certificate that the SignerInfo names, when the CMS embeds it. */
  signerCertificate?: Uint8Array;
  /** Every certificate embedded in the CMS, as encoded there. */
  certificates: Uint8Array[];
  /** Digest algorithm name (node:crypto spelling, e.g. 'sha256') or the OID when unknown. */
  digestAlgorithm?: string;
  /** Signature algorithm name (e.g. 'RSASSA-PKCS1-v1_5', 'ECDSA', 'Ed25519') or the OID when unknown. */
  signatureAlgorithm?: string;
  /**
   * True for PAdES-BASELINE-B: ETSI.CAdES.detached with content-type,
   * message-digest and signing-certificate-v2 signed attributes and no signing-time.
   */
  baselineB: boolean;
  /** Every problem found, the one that decided the indication first. */
  problems: string[];
}

/** The check-4 outcome for a whole file. */
export interface PdfSignatureReport {
  indication: Indication;
  subIndication?: SignatureSubIndication;
  message: string;
  /** One entry per signature, in file order. */
  signatures: SignatureCheck[];
  /** True when the newest signed revision ends at the end of the file, so no byte is unsigned. */
  coversWholeFile: boolean;
}

/** One reason a signature does not pass, before it is folded into a SignatureCheck. */
export interface SignatureFinding {
  subIndication: SignatureSubIndication;
  message: string;
}

/** Returns the indication of a sub-indication: constraint failures are INDETERMINATE, the others FAILED. */
export function indicationOf(subIndication: SignatureSubIndication): Indication {
  return subIndication === 'CRYPTO_CONSTRAINTS_FAILURE' || subIndication === 'SIG_CONSTRAINTS_FAILURE'
    ? 'INDETERMINATE'
    : 'FAILED';
}

/** Creates a FORMAT_FAILURE finding. */
export function formatFailure(message: string): SignatureFinding {
  return { subIndication: 'FORMAT_FAILURE', message };
}

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** id-ct-TSTInfo (RFC 3161 §2.4.2): the eContentType of a time-stamp token. */
export const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';

/** The MessageImprint of a TSTInfo: the hash of the time-stamped data and its algorithm OID. */
export interface MessageImprint {
  hashAlgorithm: string;
  hashedMessage: Uint8Array;
}

/** Returns the content octets of an eContent, joining the segments of a constructed (BER) OCTET STRING. */
export function eContentBytes(eContent: asn1js.OctetString): Uint8Array {
  return new Uint8Array(eContent.getValue());
}

/**
 * Reads the MessageImprint of a DER TSTInfo (RFC 3161 §2.4.2), which is
 * attacker-controlled. Returns a message when it does not parse.
 */
export function readMessageImprint(tstInfo: Uint8Array): MessageImprint | string {
  try {
    const parsed = pkijs.TSTInfo.fromBER(new Uint8Array(tstInfo));
    return {
      hashAlgorithm: parsed.messageImprint.hashAlgorithm.algorithmId,
      hashedMessage: new Uint8Array(parsed.messageImprint.hashedMessage.valueBlock.valueHexView),
    };
  } catch (error) {
    return `time-stamp token's TSTInfo does not parse: ${error instanceof Error ? error.message : String(error)}`;
  }
}

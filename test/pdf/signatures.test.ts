import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PdfError } from '../../pdf/errors.js';
import { findSignatures } from '../../pdf/signatures.js';
import { buildPdf, signedPdf } from './build-pdf.js';

const samples = path.resolve(import.meta.dirname, '../../../shared/samples/pdf');
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(samples, name)));

// What the files contain, read with `grep -a` and checked by hand against the bytes.
const table = [
  { file: 'pdf-signed-original.pdf', revisions: 2, byteRanges: [[0, 18801, 37747, 113379]], subFilter: 'ETSI.CAdES.detached' },
  { file: 'pdf-signed-added-page.pdf', revisions: 3, byteRanges: [[0, 18801, 37747, 113379]], subFilter: 'ETSI.CAdES.detached' },
  { file: 'pdf-signed-out-of-byteRange.pdf', revisions: 2, byteRanges: [[0, 200000, 307747, 1137]], subFilter: 'ETSI.CAdES.detached' },
  { file: 'pades-bes.pdf', revisions: 2, byteRanges: [[0, 137534, 156480, 588]], subFilter: 'ETSI.CAdES.detached' },
  {
    file: 'hello_signed_INCSAVE_signed.pdf',
    revisions: 4,
    byteRanges: [
      [0, 196862, 215808, 313],
      [0, 216719, 235665, 313],
    ],
    subFilter: 'ETSI.CAdES.detached',
  },
  { file: 'pkcs7-no-message-digest.pdf', revisions: 1, byteRanges: [[0, 61449, 69047, 3566]], subFilter: 'adbe.pkcs7.detached' },
  { file: 'BadEncodedCMS.pdf', revisions: 2, byteRanges: [[0, 3207, 35219, 5053]], subFilter: 'ETSI.CAdES.detached' },
  { file: 'coverage-tail-uncovered.pdf', revisions: 2, byteRanges: [[0, 690, 6692, 400]], subFilter: 'adbe.pkcs7.detached' },
  { file: 'coverage-one-byterange.pdf', revisions: 2, byteRanges: [[0, 690]], subFilter: 'adbe.pkcs7.detached' },
  { file: 'pdf-sig-with-econtent.pdf', revisions: 2, byteRanges: [[0, 1160, 12814, 615]], subFilter: 'adbe.pkcs7.detached' },
];

describe('findSignatures on the signed samples', () => {
  it.each(table)('$file', ({ file, revisions, byteRanges, subFilter }) => {
    const bytes = read(file);
    const { signatures, document } = findSignatures(bytes);
    expect(document.recovered).toBe(false);
    expect(document.revisions).toHaveLength(revisions);
    expect(document.revisions.at(-1)!.end).toBe(bytes.length);
    expect(signatures.map((signature) => signature.byteRange)).toEqual(byteRanges);
    for (const signature of signatures) {
      expect(signature.subFilter).toBe(subFilter);
      expect(signature.filter).toBe('Adobe.PPKLite');
      expect(signature.type).toBe('Sig');
      expect(signature.fieldName).toBeDefined();
      // The CMS is a DER SEQUENCE and the hex string contains it followed by zero padding only.
      expect(signature.contents[0]).toBe(0x30);
      const range = signature.contentsRange!;
      expect(bytes[range.start]).toBe(0x3c);
      expect(bytes[range.end - 1]).toBe(0x3e);
      const hex = Buffer.from(bytes.subarray(range.start + 1, range.end - 1)).toString('latin1');
      expect(hex.toLowerCase().startsWith(Buffer.from(signature.contents).toString('hex'))).toBe(true);
      expect(/^0*$/.test(hex.slice(signature.contents.length * 2))).toBe(true);
    }
  });

  it('when the ByteRange is well formed, its gap is the /Contents hex string', () => {
    const { signatures } = findSignatures(read('pdf-signed-original.pdf'));
    const [first, length] = signatures[0].byteRange;
    expect(signatures[0].contentsRange).toEqual({ start: first + length, end: signatures[0].byteRange[2] });
  });

  it('when the ByteRange points elsewhere, it is returned as written', () => {
    const { signatures } = findSignatures(read('pdf-signed-out-of-byteRange.pdf'));
    expect(signatures[0].byteRange).toEqual([0, 200000, 307747, 1137]);
    expect(signatures[0].contentsRange).toEqual({ start: 18801, end: 37747 });
  });

  it('reads the text entries of the signature dictionary', () => {
    const { signatures } = findSignatures(read('pkcs7-no-message-digest.pdf'));
    expect(signatures[0].name).toBe('EKEMEN ERDEM');
    expect(signatures[0].reason).toBe('I am the author of this document');
    expect(signatures[0].m).toBe("D:20190222160913+03'00'");
    expect(signatures[0].fieldName).toBe('Signature_0');
  });

  it('reads signatures through an xref stream and object streams', () => {
    const { document, signatures } = findSignatures(read('pkcs7-no-message-digest.pdf'));
    expect(document.sections[0].kind).toBe('stream');
    expect(document.objects.some((object) => object.inObjectStream !== undefined)).toBe(true);
    expect(signatures).toHaveLength(1);
  });

  it('when two revisions add a signature each, it finds both in file order', () => {
    const { signatures } = findSignatures(read('hello_signed_INCSAVE_signed.pdf'));
    expect(signatures.map((signature) => signature.fieldName)).toEqual(['Signature1', 'Signature2']);
    expect(signatures.map((signature) => signature.objectNumber)).toEqual([32, 34]);
  });

  describe('when xref offsets are wrong (bytes removed from the file)', () => {
    it('rejects the file with format_failure by default', () => {
      expect(() => findSignatures(read('pdf-signed-corrupted.pdf'))).toThrowError(
        expect.objectContaining({ code: 'format_failure' }),
      );
    });

    it('recovers the objects by scanning when asked', () => {
      const { document, signatures } = findSignatures(read('pdf-signed-corrupted.pdf'), { recover: true });
      expect(document.recovered).toBe(true);
      expect(document.recoveryCause?.code).toBe('format_failure');
      expect(signatures.map((signature) => signature.byteRange)).toEqual([[0, 18801, 37747, 113379]]);
    });
  });
});

describe('findSignatures on built files', () => {
  it('strips zero padding by the DER length', () => {
    const der = '300302010500000000';
    const { signatures } = findSignatures(signedPdf(`<< /Type /Sig /ByteRange [0 1 2 3] /Contents <${der}> >>`));
    expect(Buffer.from(signatures[0].contents).toString('hex')).toBe('3003020105');
    expect(signatures[0].contentsCapacity).toBe(9);
  });

  it('follows an indefinite BER length to its end-of-contents', () => {
    const ber = '3080020105000000000000';
    const { signatures } = findSignatures(signedPdf(`<< /Type /Sig /ByteRange [0 1 2 3] /Contents <${ber}> >>`));
    expect(Buffer.from(signatures[0].contents).toString('hex')).toBe('30800201050000');
  });

  it('finds a signature field value without /Type', () => {
    const { signatures } = findSignatures(signedPdf('<< /Filter /Adobe.PPKLite /ByteRange [0 1 2 3] /Contents <3000> >>'));
    expect(signatures).toHaveLength(1);
    expect(signatures[0].type).toBeUndefined();
    expect(signatures[0].fieldName).toBe('Signature1');
  });

  it('decodes #xx escapes in names and escapes in literal strings', () => {
    const { signatures } = findSignatures(
      signedPdf('<< /Type /Sig /Sub#46ilter /adbe#2Epkcs7#2Edetached /Reason (a \\(b\\) \\101\\n) /ByteRange [0 1 2 3] /Contents <3000> >>'),
    );
    expect(signatures[0].subFilter).toBe('adbe.pkcs7.detached');
    expect(signatures[0].reason).toBe('a (b) A\n');
  });

  it('keeps malformed ByteRange items as NaN', () => {
    const { signatures } = findSignatures(signedPdf('<< /Type /Sig /ByteRange [0 /X 2] /Contents <3000> >>'));
    expect(signatures[0].byteRange).toEqual([0, Number.NaN, 2]);
  });

  it('when a signature field is unsigned, it returns none', () => {
    const pdf = buildPdf(['<< /Type /Catalog /AcroForm << /Fields [2 0 R] >> >>', '<< /FT /Sig /T (Empty) >>']);
    expect(findSignatures(pdf).signatures).toEqual([]);
  });

  it('when /Contents is a literal string, it raises contents_not_hex', () => {
    expect(() => findSignatures(signedPdf('<< /Type /Sig /ByteRange [0 1 2 3] /Contents (0\\000) >>'))).toThrowError(
      expect.objectContaining({ code: 'contents_not_hex', objectNumber: 3 }),
    );
  });

  it('when /Contents is missing, it raises signature_invalid', () => {
    expect(() => findSignatures(signedPdf('<< /Type /Sig /ByteRange [0 1 2 3] >>'))).toThrowError(
      expect.objectContaining({ code: 'signature_invalid' }),
    );
  });

  it('when /Contents is cut inside its DER, it raises contents_invalid', () => {
    expect(() => findSignatures(signedPdf('<< /Type /Sig /ByteRange [0 1 2 3] /Contents <30820100020105> >>'))).toThrowError(
      expect.objectContaining({ code: 'contents_invalid' }),
    );
  });

  it('when /Contents holds a non-hex digit, it raises format_failure', () => {
    const error = captureError(() => findSignatures(signedPdf('<< /Type /Sig /ByteRange [0 1 2 3] /Contents <30zz> >>')));
    expect(error).toBeInstanceOf(PdfError);
    expect(error.code).toBe('format_failure');
  });
});

function captureError(run: () => unknown): PdfError {
  try {
    run();
  } catch (error) {
    return error as PdfError;
  }
  throw new Error('expected an error');
}

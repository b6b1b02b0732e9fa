/**
 * Builds small PDFs with a classic xref table for parser tests. Object i of
 * `bodies` becomes object i+1; object 1 should be the catalog.
 */
export function buildPdf(bodies: (string | Buffer)[], trailerExtra = ''): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let length = parts[0].length;
  bodies.forEach((body, index) => {
    offsets.push(length);
    const chunk = Buffer.concat([
      Buffer.from(`${index + 1} 0 obj\n`, 'latin1'),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    parts.push(chunk);
    length += chunk.length;
  });
  const xrefOffset = length;
  const rows = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  parts.push(
    Buffer.from(
      `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n${rows}` +
        `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${xrefOffset}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}

/** Builds a PDF whose AcroForm has one signature field (object 2) with value object 3. */
export function signedPdf(signatureDictionary: string): Buffer {
  return buildPdf([
    '<< /Type /Catalog /AcroForm << /Fields [2 0 R] /SigFlags 3 >> >>',
    '<< /FT /Sig /T (Signature1) /V 3 0 R >>',
    signatureDictionary,
  ]);
}

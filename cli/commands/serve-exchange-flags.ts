/** The `ecert serve` flags of the document exchange. */
export interface ExchangeFlags {
  operatorKey?: string;
  maxDocumentSize: string;
  storageQuota: string;
  maxUploads: string;
  retention: string;
  collectionLimit: string;
}

export const EXCHANGE_FLAG_HELP = {
  operatorKey:
    "the operator's private key file, which signs the hub's exchange.deliver and exchange.purge entries " +
    '(default: DIR/dev-keys/operator.key when present; without a key the hub serves no exchange routes)',
  maxDocumentSize: 'largest PDF an exchange may upload, in MiB',
  storageQuota: 'total size of the PDFs the hub keeps at once, in MiB',
  maxUploads: 'uploads received at once; more are answered 503 busy with Retry-After',
  retention: "days a PDF is kept after the receiver's acknowledgement",
  collectionLimit: 'days a PDF is kept after upload, acknowledged or not',
} as const;

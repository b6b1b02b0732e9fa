import type { PdfDocument } from './document.js';
import { changedKeys as changedKeysOf, equalObjects } from './object-equality.js';
import { decodeTextString, dictOf, isArray, isDict, isName, isRef, isStream, isString, type PdfDict, type PdfObject } from './objects.js';

/** Catalog keys a later revision may change: the form (checked further), the DSS and the extension levels it declares. */
const CATALOG_KEYS = new Set(['AcroForm', 'DSS', 'Extensions']);
/** AcroForm keys a later revision may change when it adds a signature field. */
const ACROFORM_KEYS = new Set(['Fields', 'SigFlags']);
/** Keys of an unsigned signature field that signing it sets (ISO 32000-2 §12.7.5.5, §12.5.6.19). */
const SIGNING_FIELD_KEYS = new Set(['V', 'AP']);
const MAX_PROBLEMS = 16;

/**
 * Lists what the final file changed in a signed revision beyond the changes
 * allowed after signing. Allowed are added signature fields and their widgets,
 * with the /Fields, page /Annots and /SigFlags updates that reference them.
 * Such a field must be signed by a later signature that the caller checks, or
 * be invisible and without actions. Otherwise an unsigned field could paint
 * over the signed page or run a script (the "sneaky signature" attack).
 * Also allowed are the value and appearance of a signature field that was
 * unsigned, document timestamps (signature fields too), the DSS and its
 * streams, and new xref sections. Every other change is listed: a changed or
 * removed object, a re-pointed reference, or a new object that an object of
 * the signed revision already referenced.
 *
 * `signed` is the document of the signed prefix and `final` the whole file,
 * whose first bytes are that prefix. Returns an empty list when the final file
 * adds only what is allowed.
 */
export function findChangesAfterSigning(signed: PdfDocument, final: PdfDocument, options: RevisionDiffOptions = {}): string[] {
  return new RevisionDiff(signed, final, options.newSignatures ?? true, options.checkedSignatures ?? new Set()).run();
}

export interface RevisionDiffOptions {
  /**
   * Whether later revisions may add signatures, default true. A certification
   * signature with DocMDP permission 1 (ISO 32000-2 §12.8.2.2) sets it false,
   * which leaves document timestamps and the DSS allowed (ETSI EN 319 142-1 §5.4).
   */
  newSignatures?: boolean;
  /**
   * Object numbers holding the signature dictionaries the caller verifies:
   * the /V reference, or the field itself when /V is a direct dictionary. An
   * added signature field counts as signed only when its /V is one of these
   * and was added after the signed revision. Default empty: no added field
   * counts as signed, so each must be invisible and without actions.
   */
  checkedSignatures?: ReadonlySet<number>;
}

class RevisionDiff {
  private readonly problems: string[] = [];
  private readonly added = new Set<number>();
  private readonly changed = new Set<number>();

  constructor(
    private readonly signed: PdfDocument,
    private readonly final: PdfDocument,
    private readonly newSignatures: boolean,
    private readonly checkedSignatures: ReadonlySet<number>,
  ) {}

  run(): string[] {
    this.compareTrailers();
    this.compareObjects();
    if (this.added.size > 0) this.checkAddedObjectsUnreferenced();
    if (this.changed.size > 0) this.checkChangedObjects();
    return this.problems.slice(0, MAX_PROBLEMS);
  }

  private report(message: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(message);
  }

  /** /Root, /Info and /Encrypt decide what the document is, so they must name the same objects. */
  private compareTrailers(): void {
    for (const key of ['Root', 'Info', 'Encrypt']) {
      const before = this.signed.trailer?.entries.get(key);
      const after = this.final.trailer?.entries.get(key);
      const same = before === undefined || after === undefined ? before === after : this.equal(before, after);
      if (!same) this.report(`trailer /${key} changed after signing`);
    }
  }

  private compareObjects(): void {
    const numbers = new Set([...objectNumbers(this.signed), ...objectNumbers(this.final)]);
    for (const objectNumber of numbers) {
      const before = this.signed.getObject(objectNumber);
      const after = this.final.getObject(objectNumber);
      if (before === undefined && after === undefined) continue;
      if (after === undefined) this.report(`object ${objectNumber} was removed after signing`);
      else if (before === undefined) this.added.add(objectNumber);
      else if (!this.equal(before, after) && !(isContainer(before) && isContainer(after))) this.changed.add(objectNumber);
    }
  }

  /**
   * Reports added objects that the signed revision already referenced. Such a
   * reference read as null when signed, so defining the object later would
   * change the document without changing any signed object.
   */
  private checkAddedObjectsUnreferenced(): void {
    const roots: PdfObject[] = this.signed.trailer ? [this.signed.trailer] : [];
    for (const objectNumber of objectNumbers(this.signed)) {
      const value = this.signed.getObject(objectNumber);
      if (value !== undefined) roots.push(value);
    }
    forEachRef(roots, (objectNumber) => {
      if (this.added.has(objectNumber)) this.report(`object ${objectNumber} was referenced before signing and defined after it`);
    });
  }

  private checkChangedObjects(): void {
    const handled = new Set<number>();
    const catalogNumber = refNumber(this.signed.trailer?.entries.get('Root'));
    if (catalogNumber !== undefined && this.changed.has(catalogNumber)) {
      this.checkCatalog(catalogNumber);
      handled.add(catalogNumber);
    }
    this.checkAcroForm(catalogNumber, handled);
    this.checkPages(handled);
    for (const objectNumber of this.changed) {
      if (!handled.has(objectNumber) && this.isSignedFieldValue(objectNumber)) handled.add(objectNumber);
    }
    const unhandled = [...this.changed].filter((objectNumber) => !handled.has(objectNumber));
    const dss = unhandled.length > 0 && catalogNumber !== undefined ? this.dssOnlyObjects(catalogNumber) : new Set<number>();
    for (const objectNumber of unhandled) {
      if (dss.has(objectNumber)) continue;
      const type = dictOf(this.signed.getObject(objectNumber))?.entries.get('Type');
      this.report(`object ${objectNumber}${isName(type) ? ` (/${type.value})` : ''} changed after signing`);
    }
  }

  private checkCatalog(catalogNumber: number): void {
    const before = dictOf(this.signed.getObject(catalogNumber));
    const after = dictOf(this.final.getObject(catalogNumber));
    if (!before || !after) {
      this.report(`catalog object ${catalogNumber} is no longer a dictionary`);
      return;
    }
    for (const key of this.changedKeys(before, after)) {
      if (!CATALOG_KEYS.has(key)) this.report(`catalog /${key} changed after signing`);
    }
  }

  /** Checks the AcroForm, which may only gain signature fields, once when it or its /Fields array changed. */
  private checkAcroForm(catalogNumber: number | undefined, handled: Set<number>): void {
    const catalogBefore = dictOf(this.signed.getObject(catalogNumber ?? -1));
    const catalogAfter = dictOf(this.final.getObject(catalogNumber ?? -1));
    const formBefore = catalogBefore?.entries.get('AcroForm');
    const formAfter = catalogAfter?.entries.get('AcroForm');
    const related = [formBefore, formAfter, this.fieldsOf(this.signed, formBefore), this.fieldsOf(this.final, formAfter)]
      .map(refNumber)
      .filter((objectNumber): objectNumber is number => objectNumber !== undefined && this.changed.has(objectNumber));
    const keyChanged = formBefore === undefined || formAfter === undefined ? formBefore !== formAfter : !this.equal(formBefore, formAfter);
    if (!keyChanged && related.length === 0) return;
    for (const objectNumber of related) handled.add(objectNumber);

    const before = dictOf(this.signed.resolve(formBefore));
    const after = dictOf(this.final.resolve(formAfter));
    if (!after) {
      this.report('AcroForm was removed after signing');
      return;
    }
    const empty = new Map<string, PdfObject>();
    for (const key of changedKeysOf(before?.entries ?? empty, this.signed.bytes, after.entries, this.final.bytes)) {
      if (!ACROFORM_KEYS.has(key)) this.report(`AcroForm /${key} changed after signing`);
    }
    this.checkAppended(
      'AcroForm /Fields',
      this.arrayItems(this.signed, before?.entries.get('Fields')),
      this.arrayItems(this.final, after.entries.get('Fields')),
      (objectNumber) => this.newFieldProblem(objectNumber),
    );
  }

  private fieldsOf(document: PdfDocument, form: PdfObject | undefined): PdfObject | undefined {
    return dictOf(document.resolve(form))?.entries.get('Fields');
  }

  /** Checks changed pages and changed /Annots arrays: a page may only gain signature widgets. */
  private checkPages(handled: Set<number>): void {
    const pages = new Set<number>();
    for (const objectNumber of this.changed) {
      if (isName(dictOf(this.signed.getObject(objectNumber))?.entries.get('Type'), 'Page')) pages.add(objectNumber);
    }
    // A changed indirect /Annots array belongs to whichever page names it.
    for (const objectNumber of objectNumbers(this.signed)) {
      const page = dictOf(this.signed.getObject(objectNumber));
      if (!page || !isName(page.entries.get('Type'), 'Page')) continue;
      const annots = refNumber(page.entries.get('Annots'));
      const annotsAfter = refNumber(dictOf(this.final.getObject(objectNumber))?.entries.get('Annots'));
      for (const candidate of [annots, annotsAfter]) {
        if (candidate !== undefined && this.changed.has(candidate)) {
          pages.add(objectNumber);
          handled.add(candidate);
        }
      }
    }
    for (const pageNumber of pages) {
      handled.add(pageNumber);
      this.checkPage(pageNumber);
    }
  }

  private checkPage(pageNumber: number): void {
    const before = dictOf(this.signed.getObject(pageNumber))!;
    const after = dictOf(this.final.getObject(pageNumber));
    if (!after) {
      this.report(`page object ${pageNumber} is no longer a dictionary`);
      return;
    }
    for (const key of this.changedKeys(before, after)) {
      if (key !== 'Annots') this.report(`page object ${pageNumber} /${key} changed after signing`);
    }
    this.checkAppended(
      `page object ${pageNumber} /Annots`,
      this.arrayItems(this.signed, before.entries.get('Annots')),
      this.arrayItems(this.final, after.entries.get('Annots')),
      (objectNumber) => this.newWidgetProblem(objectNumber),
    );
  }

  /**
   * Checks that `after` is `before` followed by references to objects that
   * `problemOf` accepts. It returns why an object is rejected, or undefined.
   */
  private checkAppended(label: string, before: PdfObject[], after: PdfObject[], problemOf: (objectNumber: number) => string | undefined): void {
    if (after.length < before.length || before.some((item, i) => !this.equal(item, after[i]))) {
      this.report(`${label} lost or replaced an item after signing`);
      return;
    }
    for (const item of after.slice(before.length)) {
      const problem = isRef(item) ? problemOf(item.objectNumber) : 'which is not a new signature field';
      if (problem !== undefined) {
        this.report(`${label} gained ${isRef(item) ? `object ${item.objectNumber}` : 'a direct object'}, ${problem}`);
      }
    }
  }

  private arrayItems(document: PdfDocument, value: PdfObject | undefined): PdfObject[] {
    const array = document.resolve(value);
    return isArray(array) ? array.items : [];
  }

  /** Returns why an object may not be added as a signature field, or undefined when it may. */
  private newFieldProblem(objectNumber: number): string | undefined {
    const field = dictOf(this.final.getObject(objectNumber));
    if (!this.added.has(objectNumber) || !field || !isName(field.entries.get('FT'), 'Sig')) return NOT_A_SIGNATURE_FIELD;
    // DocMDP permission 1 allows only document timestamps (ISO 32000-2 §12.8.2.2).
    if (!this.isPermittedValue(field.entries.get('V'))) return NOT_A_SIGNATURE_FIELD;
    if (this.isSignedByLaterSignature(objectNumber, field)) return undefined;
    const widgets = [field, ...this.arrayItems(this.final, field.entries.get('Kids')).map((kid) => dictOf(this.final.resolve(kid)))];
    for (const widget of widgets) {
      const problem = widget ? activeWidgetProblem(widget, this.final) : 'a kid that is not a dictionary';
      if (problem !== undefined) return `unsigned signature field ${fieldLabel(field)} with ${problem}`;
    }
    return undefined;
  }

  /**
   * Tests whether the field's /V is a signature dictionary that the caller
   * verifies and that was added after the signed revision. Only such a
   * signature covers the field, because an older one was made without it.
   */
  private isSignedByLaterSignature(objectNumber: number, field: PdfDict): boolean {
    const value = field.entries.get('V');
    if (isRef(value)) return this.added.has(value.objectNumber) && this.checkedSignatures.has(value.objectNumber);
    return isDict(value) && this.checkedSignatures.has(objectNumber);
  }

  /** Tests whether a signature field value may be added: any, unless DocMDP permission 1 allows only timestamps. */
  private isPermittedValue(value: PdfObject | undefined): boolean {
    if (this.newSignatures) return true;
    return isName(dictOf(this.final.resolve(value))?.entries.get('Type'), 'DocTimeStamp');
  }

  /** Returns why an object may not be added as a widget of a new signature field (merged with it or a kid of it), or undefined. */
  private newWidgetProblem(objectNumber: number): string | undefined {
    const widget = dictOf(this.final.getObject(objectNumber));
    if (!this.added.has(objectNumber) || !widget || !isName(widget.entries.get('Subtype'), 'Widget')) return NOT_A_SIGNATURE_FIELD;
    if (isName(widget.entries.get('FT'), 'Sig')) return this.newFieldProblem(objectNumber);
    const parent = refNumber(widget.entries.get('Parent'));
    if (parent === undefined) return NOT_A_SIGNATURE_FIELD;
    const problem = this.newFieldProblem(parent);
    if (problem !== undefined) return problem;
    // A kid may name a parent without being among its /Kids, so it is checked on its own too.
    const field = dictOf(this.final.getObject(parent))!;
    if (this.isSignedByLaterSignature(parent, field)) return undefined;
    const active = activeWidgetProblem(widget, this.final);
    return active === undefined ? undefined : `unsigned signature field ${fieldLabel(field)} with ${active}`;
  }

  /**
   * Tests whether an object is an unsigned signature field of the signed revision that a later revision signed.
   * NOTE: it does not yet require the new /V to be a signature the validator checks when /AP changes too,
   * so a field that was already there unsigned could gain a visible appearance with a /V that is no signature.
   */
  private isSignedFieldValue(objectNumber: number): boolean {
    const before = dictOf(this.signed.getObject(objectNumber));
    const after = dictOf(this.final.getObject(objectNumber));
    if (!before || !after || !isName(before.entries.get('FT'), 'Sig') || before.entries.has('V')) return false;
    if (!this.changedKeys(before, after).every((key) => SIGNING_FIELD_KEYS.has(key))) return false;
    const value = after.entries.get('V');
    const added = value === undefined || isDict(value) || (isRef(value) && this.added.has(value.objectNumber));
    return added && (value === undefined || this.isPermittedValue(value));
  }

  /**
   * Returns the objects reachable from the signed catalog's /DSS and from
   * nothing else of the document: only those may change with the DSS, since
   * an object the pages also use would change what the pages show.
   */
  private dssOnlyObjects(catalogNumber: number): Set<number> {
    const catalog = dictOf(this.signed.getObject(catalogNumber));
    const dss = catalog?.entries.get('DSS');
    if (!catalog || dss === undefined) return new Set();
    const inDss = reachable(this.signed, [dss]);
    const others = [...catalog.entries].filter(([key]) => key !== 'DSS').map(([, value]) => value);
    const info = this.signed.trailer?.entries.get('Info');
    const pinned = reachable(this.signed, info === undefined ? others : [...others, info]);
    pinned.add(catalogNumber);
    return new Set([...inDss].filter((objectNumber) => !pinned.has(objectNumber)));
  }

  private changedKeys(before: PdfDict, after: PdfDict): string[] {
    return changedKeysOf(before.entries, this.signed.bytes, after.entries, this.final.bytes);
  }

  private equal(before: PdfObject, after: PdfObject): boolean {
    return equalObjects(before, this.signed.bytes, after, this.final.bytes);
  }
}

const NOT_A_SIGNATURE_FIELD = 'which is not a new signature field';

/**
 * Returns what makes an unsigned signature field or widget show or do
 * something, or undefined when it does neither: an action (/A, /AA, ISO
 * 32000-2 §12.6.3) or an appearance (/AP) drawn in a /Rect of non-zero width
 * and height (§12.5.5). Hidden or NoView flags are not trusted, since a
 * later update or a viewer may ignore them.
 */
function activeWidgetProblem(widget: PdfDict, document: PdfDocument): string | undefined {
  for (const key of ['A', 'AA']) {
    if (widget.entries.has(key)) return `an action (/${key})`;
  }
  if (!widget.entries.has('AP')) return undefined;
  const rect = document.resolve(widget.entries.get('Rect'));
  const numbers = isArray(rect) ? rect.items : [];
  if (numbers.length !== 4 || !numbers.every((value) => typeof value === 'number' && Number.isFinite(value))) {
    return 'an appearance (/AP) and a /Rect that is not four numbers';
  }
  const [x1, y1, x2, y2] = numbers as number[];
  if (x1 === x2 || y1 === y2) return undefined;
  return `a visible appearance (/AP in /Rect [${numbers.join(' ')}])`;
}

/** Names a field by its partial name /T when it has one. */
function fieldLabel(field: PdfDict): string {
  const name = field.entries.get('T');
  return isString(name) ? `"${decodeTextString(name.bytes)}"` : '(unnamed)';
}

/** Returns every object number that any xref section of `document` lists. */
function objectNumbers(document: PdfDocument): Set<number> {
  const numbers = new Set<number>();
  for (const section of document.sections) {
    for (const objectNumber of section.entries.keys()) numbers.add(objectNumber);
  }
  return numbers;
}

/** Object and xref streams only package other objects, which are compared one by one. */
function isContainer(value: PdfObject): boolean {
  return isStream(value) && (isName(value.dict.entries.get('Type'), 'ObjStm') || isName(value.dict.entries.get('Type'), 'XRef'));
}

function refNumber(value: PdfObject | undefined): number | undefined {
  return isRef(value) ? value.objectNumber : undefined;
}

/** Calls `visit` for every reference inside `roots`, without following them. */
function forEachRef(roots: PdfObject[], visit: (objectNumber: number) => void): void {
  const stack = [...roots];
  while (stack.length > 0) {
    const value = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    // Pushed one by one: a spread of a huge array would overflow the argument limit.
    if (value.type === 'ref') visit(value.objectNumber);
    else if (value.type === 'array') for (const item of value.items) stack.push(item);
    else if (value.type === 'dict') for (const item of value.entries.values()) stack.push(item);
    else if (value.type === 'stream') for (const item of value.dict.entries.values()) stack.push(item);
  }
}

/** Returns the numbers of the objects reachable from `roots` by following references. */
function reachable(document: PdfDocument, roots: PdfObject[]): Set<number> {
  const seen = new Set<number>();
  let pending = roots;
  while (pending.length > 0) {
    const next: PdfObject[] = [];
    forEachRef(pending, (objectNumber) => {
      if (seen.has(objectNumber)) return;
      seen.add(objectNumber);
      const value = document.getObject(objectNumber);
      if (value !== undefined) next.push(value);
    });
    pending = next;
  }
  return seen;
}

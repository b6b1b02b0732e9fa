import { formatUtcTime } from '../../registry/formats.js';
import { HubError } from '../hub-client.js';
import { mapConcurrent } from './concurrency.js';
import type { CabKeyring } from './cab-keys.js';
import { DAY_MS, HOUR_MS, SUBMIT_CONCURRENCY, type PilotContext } from './context.js';
import type { SampleKeys } from './expectations.js';
import { createCabCertificate, createNationalCa } from './pki.js';
import { expectRegistration } from './sample-certificates.js';
import type { SampleCertificate } from './samples.js';
import { PILOT_SCOPE, type CabPlan } from './scenario.js';

/**
 * Registers each country's authority (sender and receiver) with its development key. An
 * authority that an earlier run registered with the same key is left as it is.
 */
export async function registerAuthorities(context: PilotContext): Promise<void> {
  const { session, mirror, scenario, outcomes } = context;
  await Promise.all(
    scenario.countries.map(async (country) => {
      const actor = `authority:${country}`;
      const key = session.keys.vkey(actor);
      const existing = mirror.registry.state.actorAt(actor);
      if (existing?.status === 'active') {
        outcomes.compare(`reuse ${actor} registered earlier`, key, existing.key.vkey);
        return;
      }
      await session.submit(`register ${actor}`, 'actor.register', { actor, roles: ['sender', 'receiver'], key }, `registrar:${country}`);
    }),
  );
}

/**
 * Registers a national CA per country and every CAB of the scenario, then each CAB's
 * accreditation and a signing certificate that its national CA issues with the CAB code
 * in organizationIdentifier.
 */
export async function registerCabs(context: PilotContext): Promise<CabKeyring> {
  const { session, scenario } = context;
  const now = Date.now();
  const validity = { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 5 * 365 * DAY_MS) };
  const [cas] = await Promise.all([
    Promise.all(
      scenario.countries.map(async (country) => {
        const ca = await createNationalCa(country, `National Conformity CA ${country} ${scenario.runNumber}`, validity);
        await session.submit(`register the national CA of ${country}`, 'ca.register', { certificate: base64(ca.der) }, `registrar:${country}`);
        return [country, ca] as const;
      }),
    ),
    mapConcurrent(scenario.cabs, SUBMIT_CONCURRENCY, (plan) =>
      session.submit(
        `register CAB ${plan.code}`,
        'cab.register',
        { code: plan.code, name: plan.name, type: plan.type, status: 'active', effectiveAt: formatUtcTime(now - HOUR_MS) },
        `registrar:${plan.country}`,
      ),
    ),
  ]);
  const caOf = new Map(cas);

  const certificates: CabKeyring['current'] = new Map();
  await mapConcurrent(scenario.cabs, SUBMIT_CONCURRENCY, async (plan) => {
    await Promise.all(plan.standards.map((standard) => accredit(context, plan, standard, now)));
    const certificate = await createCabCertificate(caOf.get(plan.country)!, {
      cabCode: plan.code,
      cabName: plan.name,
      country: plan.country,
      notBefore: validity.notBefore,
      notAfter: new Date(now + 2 * 365 * DAY_MS),
    });
    const receipt = await session.submit(
      `register the signing certificate of ${plan.code}`,
      'cabkey.register',
      { cabCode: plan.code, certificate: base64(certificate.der) },
      `registrar:${plan.country}`,
    );
    if (receipt !== undefined) certificates.set(plan.code, certificate);
  });
  return { current: certificates, cas: caOf };
}

async function accredit(context: PilotContext, plan: CabPlan, standard: CabPlan['standards'][number], now: number): Promise<void> {
  const date = (ms: number): string => formatUtcTime(ms).slice(0, 10);
  await context.session.submit(
    `accredit ${plan.code} to ${standard}`,
    'accreditation.set',
    {
      cabCode: plan.code,
      standard,
      accreditationBody: plan.accreditationBody,
      number: `${plan.code.split('-')[1]}/${standard === 'ISO/IEC 17065' ? 'PCB' : 'TL'}/${plan.code.split('-')[2]}`,
      scope: PILOT_SCOPE,
      validFrom: date(now - 365 * DAY_MS),
      validUntil: date(now + 4 * 365 * DAY_MS),
      status: 'active',
      effectiveAt: formatUtcTime(now - HOUR_MS),
    },
    `registrar:${plan.country}`,
  );
}

/**
 * Registers every signer certificate found in the sample PDFs for one of the pilot's
 * CABs. The code the hub must return is derived from each certificate (see
 * expectRegistration), never from a list of files. Returns the certificates the hub
 * accepted, by SHA-256, with the CAB each is registered for.
 */
export async function registerSampleCertificates(context: PilotContext, certificates: readonly SampleCertificate[]): Promise<SampleKeys> {
  const { session, scenario, mirror } = context;
  const cabs = scenario.cabs.filter((plan) => !plan.suspended);
  const accepted = new Map<string, string>();
  await mapConcurrent(certificates, SUBMIT_CONCURRENCY, async (certificate, position) => {
    const cab = cabs[position % cabs.length]!;
    const registered = mirror.registry.state.certificateAt(certificate.sha256) !== undefined;
    const { expected, reason } = expectRegistration(certificate, cab, Date.now(), registered);
    const receipt = await session.submit(
      `register sample certificate ${certificate.sha256.slice(0, 12)} of ${certificate.files.join(', ')} for ${cab.code} (${reason})`,
      'cabkey.register',
      { cabCode: cab.code, certificate: base64(certificate.der) },
      `registrar:${cab.country}`,
      { expect: expected },
    );
    if (receipt !== undefined) accepted.set(certificate.sha256, cab.code);
  });
  return accepted;
}

/** Suspends the scenario's suspended CAB from now on (`cab.update`). */
export async function suspendCabs(context: PilotContext): Promise<void> {
  const { session, scenario } = context;
  for (const plan of scenario.cabs.filter((candidate) => candidate.suspended)) {
    await session.submit(
      `suspend CAB ${plan.code}`,
      'cab.update',
      { code: plan.code, name: plan.name, type: plan.type, status: 'suspended', effectiveAt: formatUtcTime(Date.now()) },
      `registrar:${plan.country}`,
    );
  }
}

/**
 * Submits records the hub must reject: a registrar registering another country's CAB,
 * and an envelope that reuses an earlier envelope's nonce.
 */
export async function submitForbiddenRegistrations(context: PilotContext): Promise<void> {
  const { session, scenario } = context;
  const [first, second] = scenario.cabs;
  const foreign = scenario.countries.find((country) => country !== first!.country)!;
  const now = formatUtcTime(Date.now());
  await session.submit(
    `reject registrar:${foreign} registering a CAB of ${first!.country}`,
    'cab.register',
    { code: `${first!.code.slice(0, -2)}97`, name: 'Foreign CAB', type: 'certification-body', status: 'active', effectiveAt: now },
    `registrar:${foreign}`,
    { expect: 'wrong_country' },
  );

  const earlier = session.receipts.find((receipt) => receipt.envelope.actor === `registrar:${second!.country}`);
  if (earlier === undefined) {
    context.outcomes.failure('replay a nonce', `no accepted entry of registrar:${second!.country} to take a nonce from`);
    return;
  }
  await session.submit(
    `reject a reused nonce of registrar:${second!.country}`,
    'cab.register',
    { code: `${second!.code.slice(0, -2)}98`, name: 'Replayed CAB', type: 'testing-laboratory', status: 'active', effectiveAt: now },
    `registrar:${second!.country}`,
    { expect: 'replayed_nonce', nonce: Buffer.from(earlier.envelope.nonce, 'base64url') },
  );
}

/** Returns whether a CAB code is already registered on the hub, as `GET /v1/cabs/<code>` reports. */
export async function isCabRegistered(context: Pick<PilotContext, 'session'>, code: string): Promise<boolean> {
  try {
    await context.session.client.getJson(`/v1/cabs/${code}`);
    return true;
  } catch (error) {
    if (error instanceof HubError && error.status === 404) return false;
    throw error;
  }
}

function base64(der: Uint8Array): string {
  return Buffer.from(der).toString('base64');
}

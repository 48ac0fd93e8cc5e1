import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { StripePayoutClient, type StripePayoutClientOptions } from '../../src/connectors/payments/stripe/client';
import { PermanentError, TransientError } from '../../src/connectors/http';
import { inconsistentLines, payoutGapCents } from '../../src/domain/payout';
import { startStripeSimulator, type StripeSimulator, type StripeSimulatorOptions } from '../../src/simulators/stripe';
import { rejectionOf } from '../support/rejection';

const running: StripeSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function startSim(opts: StripeSimulatorOptions = {}): Promise<StripeSimulator> {
  const sim = await startStripeSimulator({ seed: 7, ...opts });
  running.push(sim);
  return sim;
}

function clientFor(sim: StripeSimulator, overrides: Partial<StripePayoutClientOptions> = {}): StripePayoutClient {
  return new StripePayoutClient({ baseUrl: sim.url, secretKey: sim.secretKey, timeoutMs: 5_000, ...overrides });
}

const at = (iso: string) => new Date(iso);
const requests = (sim: StripeSimulator, path: string) => sim.state.requestLog.filter((r) => r.path === path);

/**
 * Two payout batches cut at 03:00 UTC: the first crosses midnight (a 23:52 and a 02:30 sale), a
 * sale at 03:10 waits for the second, and a refund booked after the first payout nets off in the second.
 */
function seedTwoBatches(sim: StripeSimulator) {
  const s = sim.state;
  const pay = (amountCents: number, reference: string, storeId: string, iso: string) =>
    s.recordCardPayment({ amountCents, currency: 'SEK', reference, storeId, at: at(iso) });
  const morning = pay(45_000, 'S01-000123', 'S01', '2026-05-01T09:15:00Z'); // fee 630 + 25
  const lateEvening = pay(12_000, 'S02-000077', 'S02', '2026-05-01T23:52:10Z'); // fee 168 + 25
  const afterMidnight = pay(999, 'S01-000130', 'S01', '2026-05-02T02:30:00Z'); // fee 13.986 -> 14, + 25
  const afterCutoff = pay(30_000, 'S02-000078', 'S02', '2026-05-02T03:10:00Z'); // fee 420 + 25
  const first = s.runPayout({ cutoff: at('2026-05-02T03:00:00Z'), arrivalDate: '2026-05-04' })!;
  const refund = s.recordRefund({
    chargeId: morning,
    amountCents: 5_000,
    at: at('2026-05-02T10:00:00Z'),
    reference: 'S01-R-000124',
  });
  const second = s.runPayout({ cutoff: at('2026-05-03T03:00:00Z'), arrivalDate: '2026-05-05' })!;
  return { morning, lateEvening, afterMidnight, afterCutoff, refund, first, second };
}

describe('Stripe payouts: listing by arrival date', () => {
  it('returns paid automatic payouts whose arrival date is in [from, to), oldest first', async () => {
    const sim = await startSim();
    const { first, second } = seedTwoBatches(sim);
    sim.state.recordCardPayment({
      amountCents: 5_000,
      currency: 'sek',
      reference: 'S01-000200',
      storeId: 'S01',
      at: at('2026-05-03T12:00:00Z'),
    });
    sim.state.runPayout({ cutoff: at('2026-05-04T03:00:00Z'), arrivalDate: '2026-05-05', status: 'in_transit' });
    sim.state.recordCardPayment({
      amountCents: 7_000,
      currency: 'sek',
      reference: 'S01-000201',
      storeId: 'S01',
      at: at('2026-05-04T12:00:00Z'),
    });
    sim.state.runPayout({ cutoff: at('2026-05-05T03:00:00Z'), arrivalDate: '2026-05-05', automatic: false });
    const client = clientFor(sim);

    expect(first.amount).toBe(45_000 - 655 + 12_000 - 193 + 999 - 39);
    expect(await client.listPayouts({ arrivalFrom: '2026-05-04', arrivalTo: '2026-05-05' })).toEqual([
      {
        id: first.id,
        amountCents: 57_112,
        currency: 'SEK',
        arrivalDate: '2026-05-04',
        createdAt: '2026-05-02T03:00:00.000Z',
        status: 'paid',
      },
    ]);
    // The in-transit and the manual payout arrive on 05-05 too, but neither counts.
    const both = await client.listPayouts({ arrivalFrom: '2026-05-04', arrivalTo: '2026-05-06' });
    expect(both.map((p) => [p.id, p.amountCents])).toEqual([
      [first.id, 57_112],
      [second.id, 30_000 - 445 - 5_000],
    ]);
    expect(await client.listPayouts({ arrivalFrom: '2026-05-06', arrivalTo: '2026-05-07' })).toEqual([]);
    expect(requests(sim, '/v1/payouts').at(-1)!.query).toContain('status=paid');
  });

  it('refuses a malformed or empty range before sending anything', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    for (const range of [
      { arrivalFrom: '2026-02-30', arrivalTo: '2026-03-01' },
      { arrivalFrom: '2026-05-04', arrivalTo: '2026-05-04' },
    ]) {
      const err = await rejectionOf(client.listPayouts(range));
      expect([err instanceof PermanentError, (err as PermanentError).code]).toEqual([true, 'InvalidRange']);
    }
    expect(sim.state.requestLog).toHaveLength(0);
  });
});

describe('Stripe payouts: settlement lines', () => {
  it('lists every line with fees, POS metadata, and nets that add up to the payout', async () => {
    const sim = await startSim();
    const b = seedTwoBatches(sim);
    const lines = await clientFor(sim).listSettlementLines(b.first.id);

    expect(lines.map((l) => [l.type, l.sourceId])).toEqual([
      ['charge', b.morning],
      ['charge', b.lateEvening],
      ['charge', b.afterMidnight],
      ['payout', b.first.id],
    ]);
    expect(lines[0]).toEqual({
      id: expect.stringMatching(/^txn_/),
      payoutId: b.first.id,
      type: 'charge',
      processorType: 'charge',
      grossCents: 45_000,
      feeCents: 655,
      netCents: 44_345,
      currency: 'SEK',
      createdAt: '2026-05-01T09:15:00.000Z',
      sourceId: b.morning,
      reference: 'S01-000123',
      storeId: 'S01',
    });
    expect(lines.map((l) => l.feeCents)).toEqual([655, 193, 39, 0]);
    expect(inconsistentLines(lines)).toEqual([]);
    expect(payoutGapCents({ amountCents: b.first.amount }, lines)).toBe(0);
    expect(lines.at(-1)!.netCents).toBe(-b.first.amount);
    expect(lines.map((l) => l.sourceId)).not.toContain(b.afterCutoff);

    // What the simulator serves: fee_details add up to fee, and funds become available after creation.
    for (const t of sim.state.balanceTransactions(b.first.id).filter((t) => t.type === 'charge')) {
      expect(t.feeDetails.reduce((sum, d) => sum + d.amount, 0)).toBe(t.fee);
      expect(t.availableOn).toBeGreaterThan(t.created);
    }
  });

  it('a refund booked after the first payout nets off in the next one, pointing back to its charge', async () => {
    const sim = await startSim();
    const b = seedTwoBatches(sim);
    const client = clientFor(sim);
    const second = await client.listSettlementLines(b.second.id);

    expect(second.find((l) => l.type === 'refund')).toMatchObject({
      processorType: 'refund',
      grossCents: -5_000,
      feeCents: 0,
      netCents: -5_000,
      sourceId: b.refund,
      chargeId: b.morning,
      reference: 'S01-R-000124',
      storeId: 'S01',
      createdAt: '2026-05-02T10:00:00.000Z',
    });
    expect(second.find((l) => l.sourceId === b.afterCutoff)?.netCents).toBe(29_555);
    expect(payoutGapCents({ amountCents: b.second.amount }, second)).toBe(0);
    expect((await client.listSettlementLines(b.first.id)).some((l) => l.type === 'refund')).toBe(false);
  });

  it('account-level fees become fee lines without a source', async () => {
    const sim = await startSim();
    sim.state.recordCardPayment({
      amountCents: 10_000,
      currency: 'SEK',
      reference: 'S01-1',
      storeId: 'S01',
      at: at('2026-05-01T10:00:00Z'),
    });
    sim.state.recordFee({
      amountCents: 1_250,
      currency: 'SEK',
      description: 'Terminal rental May',
      at: at('2026-05-01T11:00:00Z'),
    });
    const payout = sim.state.runPayout({ cutoff: at('2026-05-02T03:00:00Z'), arrivalDate: '2026-05-04' })!;
    const lines = await clientFor(sim).listSettlementLines(payout.id);
    const fee = lines.find((l) => l.type === 'fee')!;
    expect([fee.processorType, fee.grossCents, fee.netCents, fee.sourceId]).toEqual([
      'stripe_fee',
      -1_250,
      -1_250,
      undefined,
    ]);
    expect(payoutGapCents({ amountCents: payout.amount }, lines)).toBe(0);
  });

  it('follows starting_after across pages, at the default 100 and at a small page size', async () => {
    const sim = await startSim();
    for (let i = 0; i < 250; i++) {
      sim.state.recordCardPayment({
        amountCents: 1_000 + i,
        currency: 'SEK',
        reference: `S01-${i}`,
        storeId: 'S01',
        at: new Date(Date.UTC(2026, 4, 1, 8, 0, Math.floor(i / 3))),
      });
    }
    const payout = sim.state.runPayout({ cutoff: at('2026-05-02T03:00:00Z'), arrivalDate: '2026-05-04' })!;

    const lines = await clientFor(sim).listSettlementLines(payout.id);
    expect(lines).toHaveLength(251);
    expect(new Set(lines.map((l) => l.id)).size).toBe(251);
    expect(payoutGapCents({ amountCents: payout.amount }, lines)).toBe(0);
    const pages = requests(sim, '/v1/balance_transactions');
    expect(pages.map((r) => new URLSearchParams(r.query).get('limit'))).toEqual(['100', '100', '100']);
    expect(pages.filter((r) => r.query.includes('starting_after'))).toHaveLength(2);

    sim.state.requestLog.length = 0;
    const small = await clientFor(sim, { pageSize: 7 }).listSettlementLines(payout.id);
    expect(small).toEqual(lines);
    expect(requests(sim, '/v1/balance_transactions')).toHaveLength(Math.ceil(251 / 7));
  });

  it('pages both ways from any cursor, newest first, with rows created in the same second', async () => {
    const sim = await startSim();
    for (let i = 0; i < 40; i++) {
      sim.state.recordCardPayment({
        amountCents: 500 + i,
        currency: 'SEK',
        reference: `S01-${i}`,
        storeId: 'S01',
        at: new Date(Date.UTC(2026, 4, 1, 8, 0, Math.floor(i / 4))),
      });
    }
    const payout = sim.state.runPayout({ cutoff: at('2026-05-02T03:00:00Z'), arrivalDate: '2026-05-04' })!;
    const page = async (query: string) => {
      const res = await request(`${sim.url}/v1/balance_transactions?payout=${payout.id}&${query}`, {
        headers: { authorization: `Bearer ${sim.secretKey}` },
      });
      const body = (await res.body.json()) as { data: Array<{ id: string }>; has_more: boolean };
      return { ids: body.data.map((t) => t.id), more: body.has_more };
    };
    const all = await page('limit=100');
    expect([all.ids.length, all.more]).toEqual([41, false]);
    const forward = await page(`limit=7&starting_after=${all.ids[9]}`);
    expect(forward).toEqual({ ids: all.ids.slice(10, 17), more: true });
    expect(await page(`limit=7&starting_after=${all.ids[33]}`)).toEqual({ ids: all.ids.slice(34), more: false });
    expect(await page(`limit=7&ending_before=${all.ids[20]}`)).toEqual({ ids: all.ids.slice(13, 20), more: true });
    expect(await page(`limit=7&ending_before=${all.ids[5]}`)).toEqual({ ids: all.ids.slice(0, 5), more: false });
    // Nothing is newer than the newest line.
    expect(await page(`limit=3&ending_before=${all.ids[0]}`)).toEqual({ ids: [], more: false });
  });

  it('pages payouts too', async () => {
    const sim = await startSim();
    for (let day = 1; day <= 5; day++) {
      sim.state.recordCardPayment({
        amountCents: 2_000,
        currency: 'SEK',
        reference: `S01-${day}`,
        storeId: 'S01',
        at: new Date(Date.UTC(2026, 4, day, 12)),
      });
      sim.state.runPayout({
        cutoff: new Date(Date.UTC(2026, 4, day + 1, 3)),
        arrivalDate: `2026-05-${String(day + 2).padStart(2, '0')}`,
      });
    }
    const payouts = await clientFor(sim, { pageSize: 2 }).listPayouts({
      arrivalFrom: '2026-05-01',
      arrivalTo: '2026-06-01',
    });
    expect(payouts.map((p) => p.arrivalDate)).toEqual([
      '2026-05-03',
      '2026-05-04',
      '2026-05-05',
      '2026-05-06',
      '2026-05-07',
    ]);
    expect(requests(sim, '/v1/payouts')).toHaveLength(3);
  });
});

describe('Stripe payouts: failures', () => {
  it('429 with Retry-After becomes a TransientError carrying the wait; 5xx too', async () => {
    const sim = await startSim({ faults: { throttleRate: 1, retryAfterSeconds: 7 } });
    const client = clientFor(sim);
    const err = await rejectionOf(client.listPayouts({ arrivalFrom: '2026-05-04', arrivalTo: '2026-05-05' }));
    expect(err).toBeInstanceOf(TransientError);
    expect([(err as TransientError).status, (err as TransientError).retryAfterMs]).toEqual([429, 7_000]);
    expect(err.message).toMatch(/rate_limit: Too many requests/);

    sim.faults.set({ throttleRate: 0, errorRate: 1 });
    expect(
      await rejectionOf(client.listPayouts({ arrivalFrom: '2026-05-04', arrivalTo: '2026-05-05' })),
    ).toBeInstanceOf(TransientError);
    sim.faults.reset();
    expect(await client.listPayouts({ arrivalFrom: '2026-05-04', arrivalTo: '2026-05-05' })).toEqual([]);
  });

  it('the simulator throttles over its per-second limit', async () => {
    const sim = await startSim({ rateLimitPerSecond: 2, now: () => 1_000_000 });
    const client = clientFor(sim);
    await client.listPayouts({ arrivalFrom: '2026-05-04', arrivalTo: '2026-05-05' });
    await client.listPayouts({ arrivalFrom: '2026-05-04', arrivalTo: '2026-05-05' });
    const err = await rejectionOf(client.listPayouts({ arrivalFrom: '2026-05-04', arrivalTo: '2026-05-05' }));
    expect([err instanceof TransientError, (err as TransientError).status]).toEqual([true, 429]);
  });

  it('a wrong key is a PermanentError that names Stripe’s reason without leaking the key', async () => {
    const sim = await startSim();
    const key = 'sk_test_wrongKey9f3a7c21d4e5b6a7c8d9';
    const err = await rejectionOf(
      clientFor(sim, { secretKey: key }).listPayouts({ arrivalFrom: '2026-05-04', arrivalTo: '2026-05-05' }),
    );
    expect(err).toBeInstanceOf(PermanentError);
    expect([(err as PermanentError).status, (err as PermanentError).code]).toEqual([401, 'api_key_invalid']);
    expect(err.message).toMatch(/Invalid API Key provided: sk_test_\*+c8d9/);
    expect(`${err.message} ${err.stack} ${JSON.stringify(err)}`).not.toContain(key);
  });

  it('unknown, manual and still-reconciling payouts are refused with the right error class', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const unknown = (await rejectionOf(client.listSettlementLines('po_doesNotExist'))) as PermanentError;
    expect([unknown instanceof PermanentError, unknown.status, unknown.code]).toEqual([true, 404, 'resource_missing']);
    expect(unknown.message).toMatch(/No such payout: 'po_doesNotExist' \(param: id\)/);
    expect(((await rejectionOf(client.listSettlementLines('txn_123'))) as PermanentError).code).toBe('InvalidId');

    sim.state.recordCardPayment({
      amountCents: 2_000,
      currency: 'SEK',
      reference: 'S01-1',
      storeId: 'S01',
      at: at('2026-05-01T12:00:00Z'),
    });
    const manual = sim.state.runPayout({
      cutoff: at('2026-05-02T03:00:00Z'),
      arrivalDate: '2026-05-04',
      automatic: false,
    })!;
    expect(((await rejectionOf(client.listSettlementLines(manual.id))) as PermanentError).code).toBe('ManualPayout');
    // Stripe itself refuses the payout filter for a manual payout, naming the parameter.
    const raw = await request(`${sim.url}/v1/balance_transactions?payout=${manual.id}`, {
      headers: { authorization: `Bearer ${sim.secretKey}` },
    });
    expect([raw.statusCode, ((await raw.body.json()) as { error: { param: string } }).error.param]).toEqual([
      400,
      'payout',
    ]);

    sim.state.recordCardPayment({
      amountCents: 3_000,
      currency: 'SEK',
      reference: 'S01-2',
      storeId: 'S01',
      at: at('2026-05-02T12:00:00Z'),
    });
    const busy = sim.state.runPayout({
      cutoff: at('2026-05-03T03:00:00Z'),
      arrivalDate: '2026-05-05',
      reconciliationStatus: 'in_progress',
    })!;
    expect(await rejectionOf(client.listSettlementLines(busy.id))).toBeInstanceOf(TransientError);
    sim.state.setPayoutStatus(busy.id, 'paid', 'completed');
    expect(await client.listSettlementLines(busy.id)).toHaveLength(2);
  });

  it('the simulator refuses what Stripe refuses: unknown parameters and out-of-range limits', async () => {
    const sim = await startSim();
    const get = async (qs: string) => {
      const res = await request(`${sim.url}/v1/payouts?${qs}`, {
        headers: { authorization: `Bearer ${sim.secretKey}` },
      });
      return { status: res.statusCode, error: ((await res.body.json()) as { error?: { param?: string } }).error };
    };
    expect(await get('arrival_dte[gte]=1')).toMatchObject({ status: 400, error: { param: 'arrival_dte[gte]' } });
    expect(await get('limit=101')).toMatchObject({ status: 400, error: { param: 'limit' } });
    expect(await get('limit=100')).toMatchObject({ status: 200 });
  });

  it('refuses currencies whose minor unit is not a cent', async () => {
    const sim = await startSim();
    sim.state.recordCardPayment({
      amountCents: 5_000,
      currency: 'JPY',
      reference: 'JP-1',
      storeId: 'J01',
      at: at('2026-05-01T12:00:00Z'),
    });
    sim.state.runPayout({ cutoff: at('2026-05-02T03:00:00Z'), arrivalDate: '2026-05-04' });
    const err = await rejectionOf(clientFor(sim).listPayouts({ arrivalFrom: '2026-05-04', arrivalTo: '2026-05-05' }));
    expect((err as PermanentError).code).toBe('UnsupportedCurrency');
  });

  it('the same seed gives the same ids', async () => {
    const [a, b, c] = await Promise.all([startSim({ seed: 11 }), startSim({ seed: 11 }), startSim({ seed: 12 })]);
    const [ra, rb, rc] = [a, b, c].map(seedTwoBatches);
    expect(ra).toEqual(rb);
    expect(ra!.morning).not.toBe(rc!.morning);
  });
});

import { condition, continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { CatalogueActivities } from '../activities/catalogue-activities';
import { durationMs } from '../domain/duration';
import { CATALOGUE_WORK, summarised } from './activity-options';
import { priceChangeStatusQuery, type PriceChangeInput, type PriceChangeStatus } from './catalogue-contract';
import { installParking } from './parking';

const catalogue = summarised(proxyActivities<CatalogueActivities>(CATALOGUE_WORK), {
  syncPrices: ({ system, skus, at }) => `Write ${skus.length} prices in force at ${at} to ${system}`,
  verifyPrices: ({ skus }) => `Read ${skus.length} prices back from every subscriber`,
});

/** Read back often enough to tell a late price within a fifth of its SLA, never more than every 15 s. */
function defaultCheckEveryMs(slaMs: number): number {
  return Math.min(15_000, Math.max(1_000, Math.floor(slaMs / 5)));
}

/**
 * Prices that take effect at one moment. A durable timer waits for the moment (a campaign that
 * starts at a store's midnight weeks ahead costs nothing until then); then every subscriber gets
 * the prices the master says are in force, and they are read back until they show them. Past
 * the SLA the flow parks as `price-update-delay` naming the SKUs, systems and how late, and keeps
 * reading back; once they show the prices it resolves itself, recorded as automatic.
 */
export async function priceChangeWorkflow(input: PriceChangeInput): Promise<PriceChangeStatus> {
  const status: PriceChangeStatus = {
    step: 'waiting',
    resolutions: [],
    effectiveAt: input.effectiveAt,
    skus: input.skus,
    late: [],
  };
  const parking = installParking({ status, statusQuery: priceChangeStatusQuery, refusalActions: ['retry'] });
  const effective = Date.parse(input.effectiveAt);
  const slaMs = durationMs('sla', input.sla);
  const deadline = effective + slaMs;
  const every = input.checkEvery ? durationMs('checkEvery', input.checkEvery) : defaultCheckEveryMs(slaMs);

  return parking.run(async () => {
    if (effective > Date.now()) await sleep(effective - Date.now());
    const { subscribers } = await catalogue.catalogueSettings();
    const write = async () => {
      status.step = 'writing';
      for (const system of subscribers) await catalogue.syncPrices({ system, skus: input.skus, at: input.effectiveAt });
    };
    await write();
    status.step = 'verifying';
    let parked: Promise<unknown> | undefined;
    let retryAsked = false;
    let acknowledged = false;
    for (;;) {
      status.late = await catalogue.verifyPrices({ skus: input.skus });
      if (status.late.length === 0) break;
      if (!parked && Date.now() >= deadline) {
        const lateMs = Date.now() - effective;
        const systems = [...new Set(status.late.map((l) => l.system))];
        parked = parking
          .park(
            'price-update-delay',
            `Prices of ${[...new Set(status.late.map((l) => l.sku))].join(', ')} not visible in ${systems.join(', ')} ${Math.round(lateMs / 1000)} s after ${input.effectiveAt} (SLA ${input.sla})`,
            {
              effectiveAt: input.effectiveAt,
              sla: input.sla,
              lateBySeconds: Math.round(lateMs / 1000),
              late: status.late.slice(0, 50),
              systems,
            },
            ['retry', 'acknowledge'],
          )
          .then((r) => {
            if (r.action === 'acknowledge') acknowledged = true;
            else retryAsked = true;
            parked = undefined;
          });
      }
      await condition(() => retryAsked || acknowledged, every);
      // Someone looked and accepts it (a SKU the subscriber refused, a list removed there): the
      // flow stops reading back; the next change of these prices starts a flow of its own.
      if (acknowledged) {
        status.step = 'acknowledged';
        return status;
      }
      // A price that never shows would read back for ever: carry on in a fresh history, parking
      // again at once if it is still late (its moment and SLA are long past).
      if (workflowInfo().continueAsNewSuggested && !parked) await continueAsNew<typeof priceChangeWorkflow>(input);
      if (retryAsked) {
        retryAsked = false;
        await write();
        status.step = 'verifying';
      }
    }
    if (parked) {
      parking.resolveAutomatically({
        action: 'retry',
        resolvedBy: 'price read-back (automatic)',
        reason: 'automatic: every subscriber shows the prices now',
      });
      await parked;
    }
    status.step = 'visible';
    status.visibleAt = new Date().toISOString();
    status.visibleAfterMs = Math.max(0, Date.now() - effective);
    return status;
  });
}

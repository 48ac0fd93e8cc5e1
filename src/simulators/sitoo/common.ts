/** Shared by the order and stock halves of the simulator's state (kept apart to avoid an import cycle). */

/** A refusal the REST layer turns into 400 with the Sitoo error body. */
export class SitooInputError extends Error {}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Sitoo keeps stock to 3 decimals; rounding after every change stops float drift from showing up in "5.000". */
export const round3 = (quantity: number): number => Math.round(quantity * 1000) / 1000 || 0;

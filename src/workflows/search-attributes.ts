import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The search attributes operators filter on in the Temporal UI; registered by the dev server at
 * start and by `npm run temporal:setup` elsewhere.
 */
export const SA = {
  storeId: defineSearchAttributeKey('StoreId', SearchAttributeType.KEYWORD),
  sitooOrderId: defineSearchAttributeKey('SitooOrderId', SearchAttributeType.KEYWORD),
  exceptionType: defineSearchAttributeKey('ExceptionType', SearchAttributeType.KEYWORD),
  exceptionOwner: defineSearchAttributeKey('ExceptionOwner', SearchAttributeType.KEYWORD),
  /** When the open exception was parked; cleared on resolve, so `ExceptionSince < "<time>"` lists the overdue. */
  exceptionSince: defineSearchAttributeKey('ExceptionSince', SearchAttributeType.DATETIME),
};

export const allSearchAttributeKeys = Object.values(SA);

import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';

/**
 * A simplified version of Shopify's calculated query cost: scalars 0, objects 1, a connection
 * 2 + its nodes (`first` of them, each costing 1 + what is selected inside), a mutation field 10.
 * A plain list field costs per element: as many as its list argument names (`nodes(ids:)`,
 * `quantities(names:)`), else the enclosing page size. An interface costs as much as the most
 * expensive type it may resolve to. The requested cost assumes every page is full; the actual
 * cost counts what came back.
 */
export const MUTATION_COST = 10;
export const MAX_QUERY_COST = 1000;

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

export function requestedCost(w: Walk, op: OperationDefinitionNode): number {
  if (op.operation === 'mutation')
    return fields(w, op.selectionSet, w.schema.getMutationType()!).reduce((sum, f) => sum + mutationCost(w, f), 0);
  return selectionCost(w, op.selectionSet, w.schema.getQueryType()!, 1);
}

/** What the executed query really cost; mutations are not refunded. */
export function actualCost(w: Walk, op: OperationDefinitionNode, data: unknown): number {
  if (op.operation === 'mutation') return requestedCost(w, op);
  return dataCost(w, op.selectionSet, w.schema.getQueryType()!, data);
}

/**
 * 10 per mutation field; `productSet` costs more the more it sends (master-data-api.md §3.7:
 * 0.2 per variant, 0.4 per metafield, rounded up).
 */
function mutationCost(w: Walk, f: FieldNode): number {
  if (f.name.value !== 'productSet') return MUTATION_COST;
  const arg = f.arguments?.find((a) => a.name.value === 'input');
  const input = (arg ? valueFromASTUntyped(arg.value, w.variables) : undefined) as
    { variants?: Array<{ metafields?: unknown[] }>; metafields?: unknown[] } | undefined;
  const variants = Array.isArray(input?.variants) ? input.variants : [];
  const metafields =
    (Array.isArray(input?.metafields) ? input.metafields.length : 0) +
    variants.reduce((n, v) => n + (Array.isArray(v?.metafields) ? v.metafields.length : 0), 0);
  return Math.ceil(MUTATION_COST + 0.2 * variants.length + 0.4 * metafields);
}

function selectionCost(w: Walk, sel: SelectionSetNode, parent: GraphQLObjectType, pageSize: number): number {
  let cost = 0;
  for (const f of fields(w, sel, parent)) {
    const def = parent.getFields()[f.name.value];
    const named = def && getNamedType(def.type);
    if (!def || !isCompositeType(named) || !f.selectionSet) continue;
    const first = argument(w, f, 'first');
    if (first !== undefined) cost += 2 + nestedCost(w, f.selectionSet, named, first);
    else if (isListType(getNullableType(def.type)))
      cost += (listArgumentLength(w, f) ?? pageSize) * (1 + nestedCost(w, f.selectionSet, named, 1));
    else cost += 1 + nestedCost(w, f.selectionSet, named, 1);
  }
  return cost;
}

function nestedCost(w: Walk, sel: SelectionSetNode, type: GraphQLCompositeType, pageSize: number): number {
  if (isObjectType(type)) return selectionCost(w, sel, type, pageSize);
  return Math.max(0, ...w.schema.getPossibleTypes(type).map((t) => selectionCost(w, sel, t, pageSize)));
}

function dataCost(w: Walk, sel: SelectionSetNode, parent: GraphQLObjectType, data: unknown): number {
  if (!data || typeof data !== 'object') return 0;
  let cost = 0;
  for (const f of fields(w, sel, parent)) {
    const def = parent.getFields()[f.name.value];
    const named = def && getNamedType(def.type);
    if (!def || !isCompositeType(named) || !f.selectionSet) continue;
    const value = (data as Record<string, unknown>)[f.alias?.value ?? f.name.value];
    if (value == null) continue;
    const base = argument(w, f, 'first') !== undefined ? 2 : 1;
    // null elements (unknown ids in nodes(ids:)) were looked up all the same, so they still count.
    if (Array.isArray(value)) for (const item of value) cost += 1 + nestedDataCost(w, f.selectionSet, named, item);
    else cost += base + nestedDataCost(w, f.selectionSet, named, value);
  }
  return cost;
}

function nestedDataCost(w: Walk, sel: SelectionSetNode, type: GraphQLCompositeType, data: unknown): number {
  if (isObjectType(type)) return dataCost(w, sel, type, data);
  return Math.max(0, ...w.schema.getPossibleTypes(type).map((t) => dataCost(w, sel, t, data)));
}

/** Field nodes of a selection on a concrete type, fragments flattened when their type condition applies. */
function fields(w: Walk, sel: SelectionSetNode, parent: GraphQLObjectType): FieldNode[] {
  const out: FieldNode[] = [];
  for (const s of sel.selections) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) {
      if (applies(w, s.typeCondition?.name.value, parent)) out.push(...fields(w, s.selectionSet, parent));
    } else {
      const frag = w.fragments.get(s.name.value);
      if (frag && applies(w, frag.typeCondition.name.value, parent)) out.push(...fields(w, frag.selectionSet, parent));
    }
  }
  return out;
}

function applies(w: Walk, typeName: string | undefined, type: GraphQLObjectType): boolean {
  if (typeName === undefined || typeName === type.name) return true;
  const cond = w.schema.getType(typeName);
  return cond !== undefined && isAbstractType(cond) && w.schema.isSubType(cond, type);
}

function argument(w: Walk, f: FieldNode, name: string): number | undefined {
  const arg = f.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  if (arg.value.kind === Kind.INT) return Number(arg.value.value);
  if (arg.value.kind === Kind.VARIABLE) {
    const v = w.variables[arg.value.name.value];
    return typeof v === 'number' ? v : undefined;
  }
  return undefined;
}

/** Length of the field's first list-valued argument, literal or variable. */
function listArgumentLength(w: Walk, f: FieldNode): number | undefined {
  const length = (v: ValueNode): number | undefined => {
    if (v.kind === Kind.LIST) return v.values.length;
    if (v.kind === Kind.VARIABLE) {
      const value = w.variables[v.name.value];
      return Array.isArray(value) ? value.length : undefined;
    }
    return undefined;
  };
  for (const a of f.arguments ?? []) {
    const n = length(a.value);
    if (n !== undefined) return n;
  }
  return undefined;
}

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/** One bucket per access token: reserve the requested cost up front, refund the unused part after. */
export class LeakyBucket {
  private available: number;
  private at: number;

  constructor(
    readonly maximumAvailable: number,
    readonly restoreRate: number,
    private readonly now: () => number = Date.now,
  ) {
    this.available = maximumAvailable;
    this.at = now();
  }

  private refill(): void {
    const t = this.now();
    this.available = Math.min(this.maximumAvailable, this.available + ((t - this.at) / 1000) * this.restoreRate);
    this.at = t;
  }

  tryReserve(cost: number): boolean {
    this.refill();
    if (cost > this.available) return false;
    this.available -= cost;
    return true;
  }

  refund(points: number): void {
    this.refill();
    this.available = Math.min(this.maximumAvailable, this.available + Math.max(0, points));
  }

  /** For tests: set the level directly instead of burning requests. */
  setAvailable(points: number): void {
    this.refill();
    this.available = Math.max(0, Math.min(this.maximumAvailable, points));
  }

  status(): ThrottleStatus {
    this.refill();
    return {
      maximumAvailable: this.maximumAvailable,
      currentlyAvailable: Math.floor(this.available * 10) / 10,
      restoreRate: this.restoreRate,
    };
  }
}

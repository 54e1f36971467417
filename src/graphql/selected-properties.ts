import { Kind, type FieldNode, type GraphQLObjectType, type GraphQLResolveInfo, type SelectionNode } from 'graphql';

/**
 * Which stored properties the selection of a list field reads, so its loader can select those
 * columns only (docs/decisions.md, "Small requests, phase 3"). The answer is conservative: any
 * field it cannot account for exactly makes it answer null (read whole rows).
 */

/**
 * A field with a resolver of its own (or none, on a type that is not an entity) that reads only
 * `reads` of its parent; `children`: a list of that type whose selection must itself be accounted
 * for; `through`: the field leads to the same rows as another type (a page's `edges`, an edge's
 * `node`), whose selection adds to this one's.
 */
export interface CustomRead {
  reads: readonly string[];
  children?: string;
  through?: string;
}

export interface TypeReads {
  /** The entity's stored properties (a field without a resolver of its own reads the property of its name). */
  columns: ReadonlySet<string>;
  /** The fields with a resolver of their own that are known to read only some properties and nothing through a loader by id. */
  custom: Readonly<Record<string, CustomRead>>;
}

export interface Selected {
  /** The properties read, sorted. */
  properties: readonly string[];
  /** `properties` joined: one loader per distinct set. */
  key: string;
}

type Info = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'schema'>;

const answers = new WeakMap<FieldNode, { nodes: readonly FieldNode[]; type: string; selected: Selected | null }[]>();

/**
 * The properties of `typeName` that the field being resolved (a list of that type) reads, through
 * its sub-selection, fragments included; null when some field is neither a stored property read by
 * the default resolver nor a known custom read, or when a nested list's selection is not accounted
 * for either (its rows may rely on these being whole, e.g. a by-id lookup of them served from the
 * rows a list has read). Answers are kept per field node, so a document's answer is computed once.
 */
export function selectedProperties(info: Info, typeName: string, reads: (typeName: string) => TypeReads | undefined): Selected | null {
  const nodes = info.fieldNodes;
  const first = nodes[0];
  if (first === undefined) return null;
  const known = answers.get(first);
  const hit = known?.find((k) => k.type === typeName && k.nodes.length === nodes.length && k.nodes.every((n, i) => n === nodes[i]));
  if (hit) return hit.selected;
  const selected = compute(info, typeName, reads);
  const entry = { nodes: [...nodes], type: typeName, selected };
  if (known) {
    if (known.length < 8) known.push(entry);
  } else answers.set(first, [entry]);
  return selected;
}

function compute(info: Info, typeName: string, reads: (typeName: string) => TypeReads | undefined): Selected | null {
  const out = new Set<string>();
  for (const node of info.fieldNodes) {
    if (!node.selectionSet || !collect(info, typeName, node.selectionSet.selections, out, reads, 0)) return null;
  }
  const properties = [...out].sort();
  return { properties, key: properties.join(',') };
}

function collect(info: Info, typeName: string, selections: readonly SelectionNode[], out: Set<string>, reads: (typeName: string) => TypeReads | undefined, depth: number): boolean {
  if (depth > 8) return false;
  const type = info.schema.getType(typeName) as GraphQLObjectType | undefined;
  const rules = reads(typeName);
  if (type === undefined || rules === undefined) return false;
  const fields = type.getFields();
  const applies = (on: string | undefined) => on === undefined || on === typeName || type.getInterfaces().some((i) => i.name === on);
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name === '__typename') continue;
      const field = fields[name];
      if (field === undefined) return false;
      const custom = Object.hasOwn(rules.custom, name) ? rules.custom[name] : undefined;
      if (custom === undefined) {
        // The default resolver reads the property of the field's name.
        if (field.resolve !== undefined || !rules.columns.has(name)) return false;
        out.add(name);
        continue;
      }
      for (const property of custom.reads) out.add(property);
      if (custom.children !== undefined) {
        if (!selection.selectionSet || !collect(info, custom.children, selection.selectionSet.selections, new Set(), reads, depth + 1)) return false;
      }
      if (custom.through !== undefined) {
        if (!selection.selectionSet || !collect(info, custom.through, selection.selectionSet.selections, out, reads, depth + 1)) return false;
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!applies(selection.typeCondition?.name.value)) return false;
      if (!collect(info, typeName, selection.selectionSet.selections, out, reads, depth + 1)) return false;
    } else {
      const fragment = info.fragments?.[selection.name.value];
      if (fragment === undefined || !applies(fragment.typeCondition.name.value)) return false;
      if (!collect(info, typeName, fragment.selectionSet.selections, out, reads, depth + 1)) return false;
    }
  }
  return true;
}

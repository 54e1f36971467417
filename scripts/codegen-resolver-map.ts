/**
 * A graphql-codegen plugin (loaded by codegen.ts) that writes the resolver map from the resolver
 * files, so that no list of imports is kept by hand:
 *
 *   src/modules/<domain>/resolvers/Query/<field>.ts     exports `<field>`  (likewise Mutation/)
 *   src/modules/<domain>/resolvers/<Type>.ts            exports `<Type>`
 *
 * It fails codegen, naming every problem, when a file names a field or type the schema does not
 * have, when two files claim the same one, when a Query or Mutation field has no file, or when a
 * resolvers folder holds anything else. The output's root maps must satisfy `Required<…Resolvers>`,
 * so a stale map fails typecheck too, and `npm run codegen:check` fails when a file was added or
 * moved without regenerating.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { isInterfaceType, isObjectType, isUnionType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';

export interface ResolverMapConfig {
  /** The folder of the domain modules, from the working directory (default `src/modules`). */
  modulesDir?: string;
  /** The module codegen generated the resolver types into, from the output file (default `./graphql`). */
  typesModule?: string;
}

interface ResolverFile {
  /** The export (and the map key): a field name or a type name. */
  name: string;
  /** From the working directory, without `.ts`. */
  file: string;
}

const posix = (p: string) => p.split(path.sep).join('/');

function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}

function isDir(p: string): boolean {
  return statSync(p).isDirectory();
}

export function plugin(schema: GraphQLSchema, _documents: unknown, config: ResolverMapConfig, info?: { outputFile?: string }): string {
  const modulesDir = config.modulesDir ?? 'src/modules';
  const outputDir = path.dirname(info?.outputFile ?? 'src/generated/resolvers.ts');
  const roots = new Map<string, GraphQLObjectType>();
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) if (root) roots.set(root.name, root);

  const problems: string[] = [];
  const fields = new Map<string, Map<string, ResolverFile>>([...roots.keys()].map((r) => [r, new Map()]));
  const types = new Map<string, ResolverFile>();
  const claim = (into: Map<string, ResolverFile>, what: string, entry: ResolverFile) => {
    const earlier = into.get(entry.name);
    if (earlier) problems.push(`${what} has two resolver files: ${earlier.file}.ts and ${entry.file}.ts`);
    else into.set(entry.name, entry);
  };

  for (const module of listDir(modulesDir)) {
    const dir = path.join(modulesDir, module, 'resolvers');
    if (!isDir(path.join(modulesDir, module)) || !listDir(path.join(modulesDir, module)).includes('resolvers')) continue;
    for (const entry of listDir(dir)) {
      const at = path.join(dir, entry);
      const root = roots.get(entry);
      if (root && isDir(at)) {
        for (const fieldFile of listDir(at)) {
          const name = fieldFile.replace(/\.ts$/, '');
          const file = posix(path.join(at, name));
          if (!/^[_A-Za-z][_0-9A-Za-z]*\.ts$/.test(fieldFile) || isDir(path.join(at, fieldFile))) problems.push(`${file}: only <field>.ts files belong in resolvers/${root.name}/`);
          else if (!root.getFields()[name]) problems.push(`${file}.ts: ${root.name}.${name} is not in the schema`);
          else claim(fields.get(root.name)!, `${root.name}.${name}`, { name, file });
        }
        continue;
      }
      const name = entry.replace(/\.ts$/, '');
      const file = posix(path.join(dir, name));
      if (isDir(at) || !entry.endsWith('.ts')) {
        problems.push(`${posix(at)}: resolvers/ holds ${[...roots.keys()].join('/')} folders of field files and <Type>.ts files only`);
        continue;
      }
      const type = schema.getType(name);
      if (!type || roots.has(name) || !(isObjectType(type) || isInterfaceType(type) || isUnionType(type))) {
        problems.push(`${file}.ts: ${name} is not an object, interface or union type of the schema`);
        continue;
      }
      claim(types, `type ${name}`, { name, file });
    }
  }
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    if (!root) continue;
    for (const field of Object.keys(root.getFields())) {
      if (!fields.get(root.name)!.has(field)) problems.push(`${root.name}.${field} has no resolver file (src/modules/<domain>/resolvers/${root.name}/${field}.ts)`);
    }
  }
  if (problems.length > 0) throw new Error(`The resolver files do not match the schema:\n  ${problems.join('\n  ')}`);

  // Import names: a field's own name, unless another field or type already has it.
  const used = new Set<string>();
  const localName = (preferred: string, root?: string) => {
    const name = used.has(preferred) && root ? `${root}_${preferred}` : preferred;
    used.add(name);
    return name;
  };
  const importFrom = (file: string) => {
    const relative = posix(path.relative(outputDir, file));
    return relative.startsWith('.') ? relative : `./${relative}`;
  };
  const imports: string[] = [];
  const entries: string[] = [];
  for (const [name, entry] of [...types].sort(([a], [b]) => a.localeCompare(b))) {
    localName(name);
    imports.push(`import { ${name} } from '${importFrom(entry.file)}';`);
    entries.push(`  ${name},`);
  }
  const rootTypes: string[] = [];
  for (const [root, map] of fields) {
    if (map.size === 0) continue;
    rootTypes.push(`${root}Resolvers`);
    const members: string[] = [];
    for (const [field, entry] of [...map].sort(([a], [b]) => a.localeCompare(b))) {
      const local = localName(field, root);
      imports.push(`import { ${local === field ? field : `${field} as ${local}`} } from '${importFrom(entry.file)}';`);
      members.push(local === field ? `    ${field},` : `    ${field}: ${local},`);
    }
    entries.push(`  ${root}: {\n${members.join('\n')}\n  } satisfies Required<${root}Resolvers>,`);
  }
  return [
    `/* Generated by scripts/codegen-resolver-map.ts from the files under ${posix(modulesDir)}/<domain>/resolvers/ (npm run codegen). Do not edit. */`,
    `import type { ${rootTypes.sort().join(', ')} } from '${config.typesModule ?? './graphql'}';`,
    ...imports.sort((a, b) => a.slice(a.indexOf(' from ')).localeCompare(b.slice(b.indexOf(' from ')))),
    '',
    '/** Every resolver file of the modules, by the type (or root field) it resolves. */',
    'export const resolverFiles = {',
    ...entries,
    '};',
    '',
  ].join('\n');
}

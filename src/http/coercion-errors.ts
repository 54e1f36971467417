/**
 * graphql-js reports a variable that does not fit its type as
 *   Variable "$input" got invalid value <the value, printed> at "input.a[0].b"; <reason>
 * The printed value may hold a secret (a whole input with its credentials), so we never pass that
 * message on: we keep the path and the reason, and drop the reason too under `credentials`.
 */
export interface CoercionFailure {
  /** Path inside the variable, e.g. ["serviceMappings", "0", "repo"]. */
  field: string[];
  message: string;
}

const PREFIX = /^Variable "\$(\w+)" got invalid value /;

/**
 * graphql-js's reasons print the offending value too ("Int cannot represent non-integer value: <it>"),
 * and a token sent in the wrong field — or a whole credentials object — would come back in them.
 * The judgement stays, the value goes. Also applied to the query document's parse and validation messages.
 */
export function withoutPrintedValue(text: string): string {
  const unknownEnum = /^Value ".*" does not exist in "(\w+)" enum\.(.*)$/s.exec(text);
  if (unknownEnum) {
    // The suggestions name schema values only; anything else after the sentence is dropped.
    const hint = /^ Did you mean the enum value "\w+"(?:(?:,| or|, or) "\w+")*\?$/.test(unknownEnum[2]) ? unknownEnum[2] : '';
    return `Value does not exist in "${unknownEnum[1]}" enum.${hint}`;
  }
  const expected = /^Expected value of type "([^"]+)", found /s.exec(text);
  if (expected) return `Expected a value of type "${expected[1]}".`;
  const printed = /^((?:\w+|Enum "\w+"|Scalar "\w+") cannot represent [\w\s-]*?value): /s.exec(text);
  if (printed) return `${printed[1]}.`;
  // The parser names the token it stopped at, a string literal with its content.
  if (text.startsWith('Syntax Error: ')) return text.replace(/\b(found|Unexpected) (String|BlockString|Int|Float|Name) ".*"\.$/s, '$1 $2.');
  return text;
}

/** Skips the printed value: strings in it are JSON-quoted, so an unescaped quote toggles "inside a string". */
function endOfPrintedValue(text: string, from: number): number {
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (text.startsWith(' at "', i) || text.startsWith('; ', i)) {
      return i;
    }
  }
  return -1;
}

function parsePath(variable: string, printed: string): string[] {
  // printed: input.serviceMappings[0].repo
  const rest = printed.startsWith(variable) ? printed.slice(variable.length) : printed;
  return [...rest.matchAll(/\.(\w+)|\[(\d+)\]/g)].map((m) => m[1] ?? m[2]);
}

export function parseCoercionError(message: string): CoercionFailure | null {
  const head = PREFIX.exec(message);
  if (!head) return null;
  const variable = head[1];
  let i = endOfPrintedValue(message, head[0].length);
  if (i === -1) return null;
  let field: string[] = [];
  if (message.startsWith(' at "', i)) {
    const close = message.indexOf('"', i + 5);
    field = parsePath(variable, message.slice(i + 5, close));
    i = close + 1;
  }
  if (!message.startsWith('; ', i)) return null;
  let reason = message.slice(i + 2);
  const missing = /^Field "(\w+)" of required type "([^"]+)" was not provided\.$/.exec(reason);
  const unknown = /^Field "(\w+)" is not defined by type "([^"]+)"\./.exec(reason);
  if (missing) {
    field = [...field, missing[1]];
    reason = `${missing[1]} is required (${missing[2]})`;
  } else if (unknown) {
    field = [...field, unknown[1]];
    reason = `${unknown[1]} is not a field of ${unknown[2]}`;
  } else if (field.includes('credentials')) {
    reason = 'has the wrong type';
  } else {
    reason = withoutPrintedValue(reason);
  }
  const where = field.length > 0 ? field.join('.') : variable;
  return { field, message: `${where}: ${reason}` };
}

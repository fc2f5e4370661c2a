/** Codes and messages of an ARM error, most specific (deepest `details[]`) first. */
export interface ArmErrorParts {
  codes: string[];
  messages: string[];
}

const MAX_DEPTH = 8;

function field(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON-encoded string (sometimes encoded twice) -> its value; other strings stay strings. */
function decodeJsonish(value: string): unknown {
  let current: unknown = value;
  for (let i = 0; i < 2 && typeof current === 'string'; i++) {
    const t = current.trim();
    if (!(t.startsWith('{') || t.startsWith('[') || t.startsWith('"'))) break;
    try {
      current = JSON.parse(t);
    } catch {
      break;
    }
  }
  return current;
}

// Escaping backslashes bounded: an unbounded `\\*` at the start scans a long run of them from every
// position (quadratic in untrusted text). Eight covers three levels of nested encoding.
const QUOTED_CODE = /\\{0,8}"code\\{0,8}"\s{0,16}:\s{0,16}\\{0,8}"([A-Za-z][\w.]*)/gi;

/**
 * Codes quoted in JSON text that does not parse (Log Analytics clips long strings, cutting the
 * JSON short); escaped quotes of nested encodings included. Nested details follow their wrapper in
 * the text, so the last is the most specific and comes first.
 */
function codesInBrokenJson(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(QUOTED_CODE)) if (m[1] && !out.includes(m[1])) out.push(m[1]);
  return out.reverse();
}

/**
 * Reads an ARM error in any of the shapes it is logged in: the activity log's `statusMessage`
 * (a JSON string `{"status":"Failed","error":{code,message,details[]}}`), a bare `{code,message}`,
 * PascalCase `{Code,Message,Details}`, `innererror`, or plain text. Codes are ordered deepest first
 * because nested details carry the specific cause (SubnetIsFull) under a generic wrapper
 * (ResourceDeploymentFailure).
 */
export function armErrorParts(value: unknown): ArmErrorParts {
  const codes: string[] = [];
  const messages: string[] = [];
  const seenCodes = new Set<string>();
  const seenMessages = new Set<string>();

  const visit = (node: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || node === null || node === undefined) return;
    if (typeof node === 'string') {
      const decoded = decodeJsonish(node);
      if (typeof decoded !== 'string') return visit(decoded, depth + 1);
      const text = node.trim();
      if (/^["{[]/.test(text))
        for (const code of codesInBrokenJson(text))
          if (!seenCodes.has(code)) {
            seenCodes.add(code);
            codes.push(code);
          }
      if (text && !seenMessages.has(text)) {
        seenMessages.add(text);
        messages.push(text);
      }
      return;
    }
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    if (!isObject(node)) return;
    const error = field(node, 'error');
    if (isObject(error) || typeof error === 'string') {
      visit(error, depth + 1);
      return;
    }
    // Deeper first: details and inner errors name the specific cause.
    visit(field(node, 'details'), depth + 1);
    visit(field(node, 'innererror'), depth + 1);
    const code = field(node, 'code');
    if (typeof code === 'string' && code.trim() && !seenCodes.has(code.trim())) {
      seenCodes.add(code.trim());
      codes.push(code.trim());
    }
    const message = field(node, 'message');
    if (typeof message === 'string') {
      const text = message.trim();
      if (text && !seenMessages.has(text)) {
        seenMessages.add(text);
        messages.push(text);
      }
    }
  };

  visit(value, 0);
  return { codes, messages };
}

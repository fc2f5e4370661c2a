/**
 * Quotes untrusted text as a KQL string literal. Backslash escapes cover the quote, the backslash
 * and line breaks, so no value can close the literal or start a new statement.
 */
export function kqlString(value: string): string {
  let out = "'";
  for (const ch of value) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += ch;
    }
  }
  return out + "'";
}

/** A KQL `datetime(...)` literal for an instant. */
export function kqlDatetime(at: Date): string {
  return `datetime(${at.toISOString()})`;
}

/**
 * KQL checks with Microsoft's Kusto language service (@kusto/language-service-next, a Bridge.NET build
 * that installs a global `Kusto` namespace). Only the few members used here are typed.
 */
import { createRequire } from 'node:module';

interface Diagnostic {
  Severity: string;
  Message: string;
}
interface DiagnosticList {
  Count: number;
  getItem(index: number): Diagnostic;
}
interface KustoLanguage {
  KustoCode: { ParseAndAnalyze(text: string, globals: unknown): { GetDiagnostics(): DiagnosticList } };
  GlobalState: { Default: { WithDatabase(database: unknown): unknown } };
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: string | null) => unknown };
    DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
  };
}

let language: KustoLanguage | undefined;

function kusto(): KustoLanguage {
  if (!language) {
    const load = createRequire(import.meta.url);
    load('@kusto/language-service-next/bridge.js');
    load('@kusto/language-service-next');
    language = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
  }
  return language;
}

/**
 * Syntax and semantic diagnostics of `query` against tables given as `{ name: '(col:type, ...)' }`.
 * An empty list means the query parses and every table, column and function it names resolves.
 */
export function kqlDiagnostics(query: string, tables: Record<string, string>): string[] {
  const k = kusto();
  const symbols = Object.entries(tables).map(
    ([name, schema]) => new k.Symbols.TableSymbol.$ctor7(name, schema, null),
  );
  const globals = k.GlobalState.Default.WithDatabase(new k.Symbols.DatabaseSymbol.ctor('workspace', symbols));
  const list = k.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
  const out: string[] = [];
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i);
    out.push(`${d.Severity}: ${d.Message}`);
  }
  return out;
}

interface SyntaxNode {
  constructor: { $$name?: string };
  ChildCount: number;
  GetChild(index: number): SyntaxNode | null;
  Name?: { SimpleName: string };
}
interface ParsedCode {
  Syntax: SyntaxNode & {
    Statements: { Count: number; getItem(index: number): { Element$1: SyntaxNode } };
  };
  GetDiagnostics(): DiagnosticList;
}

/**
 * What Kusto's own parser sees in `query`: whether it parses, the kind of each statement
 * (LetStatement, ExpressionStatement, SetOptionStatement, …) and the name of every function called.
 */
export function kqlShape(query: string): { parses: boolean; statements: string[]; calls: string[] } {
  const k = kusto() as KustoLanguage & { KustoCode: { Parse(text: string): ParsedCode } };
  const code = k.KustoCode.Parse(query);
  const calls: string[] = [];
  const walk = (node: SyntaxNode | null): void => {
    if (!node) return;
    if (node.constructor.$$name === 'Kusto.Language.Syntax.FunctionCallExpression' && node.Name)
      calls.push(node.Name.SimpleName);
    for (let i = 0; i < node.ChildCount; i++) walk(node.GetChild(i));
  };
  walk(code.Syntax);
  const list = code.Syntax.Statements;
  const statements: string[] = [];
  for (let i = 0; i < list.Count; i++)
    statements.push((list.getItem(i).Element$1.constructor.$$name ?? '').split('.').pop() ?? '');
  return { parses: code.GetDiagnostics().Count === 0, statements, calls };
}

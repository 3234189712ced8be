import { Validator, type Schema } from '@cfworker/json-schema';
import { call } from '../helpers';

// Does a real answer match /openapi.json? For one response: its status is documented for the
// operation (a 405 for the path), every header the document says it always has is there, every
// header of ours it carries is documented for it and has the documented shape, and its JSON body
// validates against the documented schema (JSON Schema 2020-12, as OpenAPI 3.1 writes it).

export interface Ref {
  $ref: string;
}
export interface Header {
  required?: boolean;
  schema?: Schema;
}
export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}
export interface ResponseDoc {
  description: string;
  headers?: Record<string, Header | Ref>;
  content?: Record<string, { schema?: Schema }>;
}
export interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: (Parameter | Ref)[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
  responses: Record<string, ResponseDoc | Ref>;
}
export interface Document {
  openapi: string;
  info: { title: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}

export async function loadDocument(): Promise<Document> {
  const res = await call('/openapi.json');
  if (res.status !== 200) throw new Error(`/openapi.json: ${res.status}`);
  return (await res.json()) as Document;
}

/** The object a `$ref` (to this document) points at; anything else as it is. */
export function resolve<T>(doc: Document, value: T | Ref): T {
  if (!value || typeof value !== 'object' || !('$ref' in value)) return value as T;
  const path = value.$ref.replace(/^#\//, '').split('/');
  let target: unknown = doc;
  for (const key of path) target = (target as Record<string, unknown>)[key];
  if (target === undefined) throw new Error(`dangling ${value.$ref}`);
  return resolve(doc, target as T | Ref);
}

/** The headers of ours that, when present, must be documented for the answer they are on. */
const OURS = [
  'x-request-id',
  'cache-control',
  'server-timing',
  'x-d1-bookmark',
  'etag',
  'retry-after',
  'allow',
  'stream-cursor',
  'idempotent-replayed',
  'content-encoding',
  'x-accel-buffering',
];

export interface Checked {
  template: string;
  method: string;
  operationId: string | undefined;
  status: number;
}

export class Conformance {
  private readonly routes: { template: string; pattern: RegExp; specificity: number }[];
  private readonly validators = new Map<string, Validator>();
  /** Every (operation, status) a check has seen, for coverage. */
  readonly seen = new Set<string>();

  constructor(readonly doc: Document) {
    this.routes = Object.keys(doc.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      // Literal segments win over parameters (`/counts` over `/{id}`), as the routers order them.
      specificity: -(template.match(/\{/g)?.length ?? 0),
    }));
  }

  /** The path template a request path is answered by (the most literal of those that match). */
  template(path: string): string | undefined {
    const matching = this.routes.filter((r) => r.pattern.test(path)).sort((a, b) => b.specificity - a.specificity);
    return matching[0]?.template;
  }

  /** A JSON schema of the document as a validator (its `$ref`s resolve inside the document). */
  private validator(key: string, schema: Schema): Validator {
    let validator = this.validators.get(key);
    if (!validator) {
      const root = { ...structuredClone(schema), components: structuredClone(this.doc.components) } as Schema;
      validator = new Validator(root, '2020-12', false);
      this.validators.set(key, validator);
    }
    return validator;
  }

  /** Validates a value against one of the document's schemas (by JSON pointer, e.g. `#/components/schemas/X`). */
  validate(pointer: string, value: unknown): string[] {
    const schema = { $ref: pointer } as Schema;
    const { valid, errors } = this.validator(pointer, schema).validate(value);
    return valid ? [] : errors.map((e) => `${e.instanceLocation}: ${e.error}`);
  }

  /**
   * The problems of one answer to `method url` (`body`: its text, when it has one to check). Returns
   * the operation and status it was checked as.
   */
  check(method: string, url: string, res: Response, body?: string): { problems: string[]; checked?: Checked } {
    const path = new URL(url, 'http://inbox.test').pathname;
    const template = this.template(path);
    const label = `${method} ${url.slice(0, 120)} → ${res.status}`;
    if (!template) return { problems: [`${label}: no path of the document`] };
    const operations = this.doc.paths[template]!;
    const operation = operations[method.toLowerCase()];
    let response: ResponseDoc | undefined;
    let key: string;
    if (operation) {
      response = operation.responses[String(res.status)] && resolve(this.doc, operation.responses[String(res.status)]!);
      key = `${method.toLowerCase()} ${template} ${res.status}`;
    } else if (res.status === 405) {
      // A method the path does not have: every operation of the path documents the 405.
      const documented = Object.values(operations).map((op) => op.responses['405']);
      if (documented.some((r) => r === undefined)) return { problems: [`${label}: not every operation of ${template} documents 405`] };
      response = resolve(this.doc, documented[0]!);
      key = `${Object.keys(operations)[0]} ${template} 405`;
      for (const other of Object.keys(operations)) this.seen.add(`${other} ${template} 405`);
    } else {
      return { problems: [`${label}: ${template} has no ${method}`] };
    }
    if (!response) return { problems: [`${label}: status not documented for ${template}`] };
    this.seen.add(key);

    const problems: string[] = [];
    const documented = new Map(Object.entries(response.headers ?? {}).map(([name, header]) => [name.toLowerCase(), resolve<Header>(this.doc, header)]));
    for (const [name, header] of documented) {
      const value = res.headers.get(name);
      if (value === null) {
        if (header.required) problems.push(`${label}: no ${name} header, which the document requires`);
        continue;
      }
      problems.push(...headerProblems(`${label}: ${name}`, value, header.schema));
    }
    for (const name of OURS) {
      if (res.headers.has(name) && !documented.has(name)) problems.push(`${label}: ${name} header not documented for this answer`);
    }

    const json = response.content?.['application/json'];
    if (json?.schema && body !== undefined) {
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        problems.push(`${label}: body is not JSON: ${body.slice(0, 80)}`);
      }
      if (value !== undefined) {
        const { valid, errors } = this.validator(`${key} body`, json.schema).validate(value);
        if (!valid) problems.push(`${label}: body does not match: ${errors.map((e) => `${e.instanceLocation} ${e.error}`).join('; ')} in ${body.slice(0, 200)}`);
      }
    } else if (body !== undefined && body.trim().length > 0 && !response.content) {
      problems.push(`${label}: a body where the document has none: ${body.slice(0, 80)}`);
    }
    return { problems, checked: { template, method: method.toLowerCase(), operationId: operation?.operationId, status: res.status } };
  }
}

/** A header value against its schema (simple style: an integer header is its decimal text). */
function headerProblems(label: string, value: string, schema: Schema | undefined): string[] {
  if (!schema) return [];
  const { valid, errors } = new Validator(schema, '2020-12', false).validate(schema.type === 'integer' ? Number(value) : value);
  return valid ? [] : [`${label} "${value}" does not match its schema: ${errors.map((e) => e.error).join('; ')}`];
}

/**
 * Calls the Worker (or `fetch`) and checks the answer: its body read here, a stream's first
 * message checked against ClientStreamMessage.
 */
export async function checked(
  conformance: Conformance,
  problems: string[],
  path: string,
  init: RequestInit = {},
  fetch: (path: string, init: RequestInit) => Promise<Response> = call,
): Promise<{ res: Response; body: string }> {
  const method = init.method ?? 'GET';
  const res = await fetch(path, init);
  let body = '';
  if (res.webSocket) {
    res.webSocket.accept();
    const first = await new Promise<string>((resolve) => res.webSocket!.addEventListener('message', (event) => resolve(String(event.data)), { once: true }));
    res.webSocket.close(1000);
    problems.push(...conformance.validate('#/components/schemas/ClientStreamMessage', JSON.parse(first)).map((p) => `ws message: ${p}`));
    problems.push(...conformance.check(method, path, res).problems);
    return { res, body: first };
  }
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const reader = res.body!.getReader();
    let text = '';
    while (!/\ndata: .*\n\n/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const data = text.match(/\ndata: (.*)\n/)?.[1];
    if (data === undefined) problems.push(`${path}: no event in ${text.slice(0, 100)}`);
    else problems.push(...conformance.validate('#/components/schemas/ClientStreamMessage', JSON.parse(data)).map((p) => `event: ${p}`));
    problems.push(...conformance.check(method, path, res).problems);
    return { res, body: text };
  }
  body = await res.text();
  problems.push(...conformance.check(method, path, res, body).problems);
  return { res, body };
}
